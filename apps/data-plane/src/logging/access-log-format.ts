import {
  isSecretHeader,
  isSecretQueryArg,
  NO_AUTH_SOURCES,
  redactRawQuery,
  redactUrl,
  REDACTED,
  type AuthSources,
} from '@portico/plugins/redact';
import type { VarSource } from '../router/expr.js';

/** APISIX's default `nginx_config.http.access_log_format` (conf/config-default.yaml). */
export const DEFAULT_ACCESS_LOG_FORMAT =
  '$remote_addr - $remote_user [$time_local] $http_host "$request_line" $status $body_bytes_sent $request_time ' +
  '"$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time ' +
  '"$upstream_scheme://$upstream_host$upstream_uri"';

/** nginx `log_format ... escape=default|json|none`. */
export type LogEscape = 'default' | 'json' | 'none';

const NEEDS_DEFAULT_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f]/;

/** nginx default escaping: `"`, `\`, bytes < 0x20 and > 0x7e become `\xHH` (UTF-8 bytes). */
function escapeDefault(v: string): string {
  if (!NEEDS_DEFAULT_ESCAPE.test(v)) return v;
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) {
    out +=
      b === 0x22 || b === 0x5c || b < 0x20 || b > 0x7e
        ? '\\x' + b.toString(16).toUpperCase().padStart(2, '0')
        : String.fromCharCode(b);
  }
  return out;
}

function escapeJson(v: string): string {
  return NEEDS_JSON_ESCAPE.test(v) ? JSON.stringify(v).slice(1, -1) : v;
}

/** A compiled log format: variables in, one line out (no trailing newline). */
export type LogTemplate = (vars: VarSource, sources?: AuthSources) => string;

type Redactor = (value: string, sources: AuthSources) => string;

/**
 * Secrets never reach the access log — a deliberate deviation from nginx, which logs the raw
 * request line. Chosen once per variable name when the format is compiled: URL-shaped
 * variables get secret query values replaced, credential headers/args/cookies entirely.
 */
function redactorFor(name: string): Redactor | undefined {
  switch (name) {
    case 'request_line':
    case 'request':
    case 'request_uri':
    case 'upstream_uri':
      return redactUrl;
    case 'args':
    case 'query_string':
      return redactRawQuery;
  }
  if (name.startsWith('cookie_')) return () => REDACTED;
  if (name.startsWith('http_')) {
    const header = name.slice(5).replace(/_/g, '-');
    return (v, src) => (isSecretHeader(header, src) ? REDACTED : v);
  }
  if (name.startsWith('arg_')) {
    const arg = name.slice(4);
    return (v, src) => (isSecretQueryArg(arg, src) ? REDACTED : v);
  }
  return undefined;
}

/**
 * Compile an nginx log format (`$name` and `${name}`) once. Unset variables print `-` as
 * nginx does; values are escaped per `escape`.
 */
export function compileLogFormat(format: string, escape: LogEscape = 'default'): LogTemplate {
  const literals: string[] = [];
  const names: string[] = [];
  const re = /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    literals.push(format.slice(last, m.index));
    names.push((m[1] ?? m[2])!);
    last = m.index + m[0].length;
  }
  literals.push(format.slice(last));
  const esc = escape === 'none' ? (v: string) => v : escape === 'json' ? escapeJson : escapeDefault;
  const n = names.length;
  const redactors = names.map(redactorFor);
  return (vars, sources = NO_AUTH_SOURCES) => {
    let out = literals[0]!;
    for (let i = 0; i < n; i++) {
      let v = vars.get(names[i]!);
      const redact = redactors[i];
      if (v !== undefined && redact !== undefined) v = redact(v, sources);
      out += (v === undefined ? '-' : esc(v)) + literals[i + 1]!;
    }
    return out;
  };
}
