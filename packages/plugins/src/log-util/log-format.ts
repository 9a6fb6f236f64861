import { REDACTED, isSecretHeader, isSecretQueryArg, redactRawQuery, redactUrl, type AuthSources } from './redact.js';

/**
 * A compiled custom `log_format` (apisix/utils/log-util.lua gen_log_format): string values
 * starting with `$` are variables, nested objects are formats themselves (up to
 * {@link MAX_LOG_FORMAT_DEPTH} levels; deeper objects log as `{}`), anything else is a constant.
 */
export type CompiledFormat = readonly FormatNode[];

type FormatNode =
  | { key: string; kind: 'var'; name: string; redact: VarRedaction }
  | { key: string; kind: 'const'; value: unknown }
  | { key: string; kind: 'nested'; format: CompiledFormat; array: boolean };

/** How a variable's value is scrubbed before it is logged (see redact.ts for the rule). */
type VarRedaction =
  | { kind: 'none' }
  | { kind: 'always' }
  | { kind: 'header'; header: string }
  | { kind: 'arg'; arg: string }
  | { kind: 'url' }
  | { kind: 'query' };

/** Nesting limit of APISIX's log_format (MAX_LOG_FORMAT_DEPTH in log-util.lua). */
export const MAX_LOG_FORMAT_DEPTH = 5;

/** Variables whose value embeds the raw query string after a `?`, so secret arguments are scrubbed. */
const URL_VARS = new Set(['request_uri', 'request', 'request_line', 'upstream_uri']);
/** Variables whose value IS the raw query string (no `?`). */
const QUERY_VARS = new Set(['args', 'query_string']);

function classify(name: string): VarRedaction {
  if (name.startsWith('cookie_')) return { kind: 'always' };
  if (name.startsWith('http_')) return { kind: 'header', header: name.slice(5).replace(/_/g, '-') };
  if (name.startsWith('sent_http_')) return { kind: 'header', header: name.slice(10).replace(/_/g, '-') };
  if (name.startsWith('upstream_http_')) return { kind: 'header', header: name.slice(14).replace(/_/g, '-') };
  if (name.startsWith('arg_')) return { kind: 'arg', arg: name.slice(4) };
  if (URL_VARS.has(name)) return { kind: 'url' };
  if (QUERY_VARS.has(name)) return { kind: 'query' };
  return { kind: 'none' };
}

function compileLevel(format: Record<string, unknown> | unknown[], depth: number): CompiledFormat {
  const nodes: FormatNode[] = [];
  for (const [key, value] of Object.entries(format)) {
    if (value !== null && typeof value === 'object') {
      nodes.push(
        depth >= MAX_LOG_FORMAT_DEPTH
          ? { key, kind: 'const', value: {} }
          : {
              key,
              kind: 'nested',
              format: compileLevel(value as Record<string, unknown>, depth + 1),
              array: Array.isArray(value),
            },
      );
    } else if (typeof value === 'string' && value.startsWith('$')) {
      const name = value.slice(1);
      nodes.push({ key, kind: 'var', name, redact: classify(name) });
    } else {
      nodes.push({ key, kind: 'const', value });
    }
  }
  return nodes;
}

/** Compile a `log_format` object once per conf. */
export function compileLogFormat(format: Record<string, unknown>): CompiledFormat {
  return compileLevel(format, 1);
}

/** Whether the format reads `$request_body` (then the body must be read before the log phase). */
export function formatUsesRequestBody(format: CompiledFormat): boolean {
  return format.some(
    (n) => (n.kind === 'var' && n.name === 'request_body') || (n.kind === 'nested' && formatUsesRequestBody(n.format)),
  );
}

/** What resolving a format needs from the request. */
export interface FormatInput {
  getVar(name: string): string | undefined;
  /** The (truncated) request body, when it was read. */
  requestBody: string | undefined;
  sources: AuthSources;
}

function scrub(value: string, redaction: VarRedaction, sources: AuthSources): string {
  switch (redaction.kind) {
    case 'none':
      return value;
    case 'always':
      return REDACTED;
    case 'header':
      return isSecretHeader(redaction.header, sources) ? REDACTED : value;
    case 'arg':
      return isSecretQueryArg(redaction.arg, sources) ? REDACTED : value;
    case 'url':
      return redactUrl(value, sources);
    case 'query':
      return redactRawQuery(value, sources);
  }
}

/**
 * Resolve a compiled format into an entry. Unset variables leave their key out, as a Lua
 * nil does in APISIX's build_log_entry.
 */
export function resolveLogFormat(format: CompiledFormat, input: FormatInput): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const node of format) {
    if (node.kind === 'const') {
      entry[node.key] = node.value;
    } else if (node.kind === 'nested') {
      const inner = resolveLogFormat(node.format, input);
      entry[node.key] = node.array ? Object.values(inner) : inner;
    } else if (node.name === 'request_body') {
      if (input.requestBody !== undefined) entry[node.key] = input.requestBody;
    } else {
      const value = input.getVar(node.name);
      if (value !== undefined) entry[node.key] = scrub(value, node.redact, input.sources);
    }
  }
  return entry;
}
