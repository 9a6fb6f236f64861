/**
 * response-rewrite runtime (apisix/plugins/response-rewrite.lua): when `vars` match, the header
 * filter sets the status and adds/sets/removes response headers (`$var` values), and the body
 * filter replaces the body (`body`, optionally base64) or runs regex `filters` over the whole
 * (decoded) body. Applies to upstream responses, plugin replies and gateway errors alike.
 */
import type { Logger, PrepareEnv, RequestContext } from '@portico/plugin-sdk';
import { definePlugin } from '@portico/plugin-helpers';
import { compileExpr, type CompiledExpr } from '@portico/schemas';
import { appendHeader, luaToString } from '../rewrite-util/headers.js';
import { compileNgxRegex, compileReplacement, RegexError, type Replacement } from '../rewrite-util/pcre.js';
import { compileVarTemplate, constTemplate, type VarTemplate } from '../rewrite-util/template.js';
import { decodeNgxBase64 } from './base64.js';
import { applyFilters, decodeBody, HeldBody, type CompiledFilter } from './body.js';
import { isNewHeadersConf, responseRewriteDefinition, type ResponseRewriteConf, type ResponseRewriteFilter } from './schema.js';

interface HeaderOps {
  add: readonly [string, VarTemplate][];
  set: readonly [string, VarTemplate][];
  remove: readonly string[];
}

export interface ResponseRewriteState {
  id: number;
  vars: CompiledExpr | undefined;
  status: number | undefined;
  /** Undefined when the conf has no headers, or when an `add` entry cannot be parsed (logged). */
  headers: HeaderOps | undefined;
  headerError: string | undefined;
  body: Buffer | undefined;
  filters: readonly CompiledFilter[] | undefined;
  maxBodySize: number;
  logger: Logger | undefined;
}

/** ctx.shared keys. `matched` is one per request, as APISIX's ctx.response_rewrite_matched. */
const MATCHED = 'response-rewrite.matched';
const ENCODING = 'response-rewrite.encoding';
const EMPTY = new Uint8Array(0);
let nextId = 0;

/** create_header_operation's `add` parsing: `Name: value`. */
const ADD_LINE = /^([^:\s]+)\s*:\s*([^:]+)$/;

function value(v: string | number): VarTemplate {
  return typeof v === 'number' ? constTemplate(luaToString(v)) : compileVarTemplate(v);
}

function headerOps(conf: ResponseRewriteConf): { ops: HeaderOps | undefined; error: string | undefined } {
  const h = conf.headers;
  if (h === undefined) return { ops: undefined, error: undefined };
  if (!isNewHeadersConf(h)) {
    return {
      ops: { add: [], set: Object.entries(h).map(([k, v]) => [k.toLowerCase(), value(v)]), remove: [] },
      error: undefined,
    };
  }
  const add: [string, VarTemplate][] = [];
  for (const line of h.add ?? []) {
    const m = ADD_LINE.exec(line);
    if (m === null) return { ops: undefined, error: `failed to create header operation: cannot parse "${line}"` };
    add.push([m[1]!.toLowerCase(), compileVarTemplate(m[2]!)]);
  }
  return {
    ops: {
      add,
      set: Object.entries(h.set ?? {}).map(([k, v]) => [k.toLowerCase(), value(v)]),
      remove: (h.remove ?? []).map((n) => n.toLowerCase()),
    },
    error: undefined,
  };
}

function compileFilter(f: ResponseRewriteFilter): CompiledFilter {
  let rep: Replacement | undefined;
  let repError: string | undefined;
  try {
    rep = compileReplacement(f.replace);
  } catch (e) {
    if (!(e instanceof RegexError)) throw e;
    repError = e.message;
  }
  return { regex: f.regex, re: compileNgxRegex(f.regex, f.options, f.scope === 'global'), rep, repError };
}

export function prepareResponseRewrite(conf: ResponseRewriteConf, env?: PrepareEnv): ResponseRewriteState {
  const { ops, error } = headerOps(conf);
  return {
    id: nextId++,
    vars: conf.vars === undefined ? undefined : compileExpr(conf.vars),
    status: conf.status_code,
    headers: ops,
    headerError: error,
    body: conf.body === undefined ? undefined : conf.body_base64 ? decodeNgxBase64(conf.body) : Buffer.from(conf.body),
    filters: conf.filters?.map(compileFilter),
    maxBodySize: conf.max_resp_body_size,
    logger: env?.services.logger,
  };
}

function holdKey(s: ResponseRewriteState): string {
  return `response-rewrite.held.${s.id}`;
}

function filterBody(ctx: RequestContext, s: ResponseRewriteState, chunk: Uint8Array, eof: boolean): Uint8Array {
  const key = holdKey(s);
  let held = ctx.shared.get(key) as HeldBody | undefined;
  if (held === undefined) {
    held = new HeldBody(s.maxBodySize);
    ctx.shared.set(key, held);
  }
  let body = held.push(chunk, eof);
  if (body === undefined) return EMPTY;
  const encoding = ctx.shared.get(ENCODING) as string | undefined;
  if (encoding !== undefined) {
    const decoded = decodeBody(body, encoding, ctx.logger);
    if (decoded === undefined) return body;
    body = decoded;
  }
  return Buffer.from(applyFilters(body.toString('utf8'), s.filters!, ctx.logger));
}

export const responseRewrite = definePlugin<ResponseRewriteConf, ResponseRewriteState>(responseRewriteDefinition, {
  prepare: prepareResponseRewrite,
  headerFilter(ctx, s, head) {
    const matched = s.vars === undefined || s.vars.eval(ctx.vars);
    ctx.shared.set(MATCHED, matched);
    if (!matched) return;
    if (s.status !== undefined) head.status = s.status;
    const h = head.headers;
    if (s.filters !== undefined || s.body !== undefined) {
      // core.response.clear_header_as_body_modified
      const enc = h['content-encoding'];
      if (enc !== undefined) ctx.shared.set(ENCODING, (Array.isArray(enc) ? enc[0] : enc) as string);
      delete h['content-length'];
      delete h['content-encoding'];
      delete h['last-modified'];
      delete h['etag'];
    }
    if (s.headers === undefined) {
      if (s.headerError !== undefined) ctx.logger.error(s.headerError);
      return;
    }
    for (const [name, tpl] of s.headers.add) appendHeader(h, name, tpl.render(ctx.vars));
    for (const [name, tpl] of s.headers.set) {
      // ngx.header[name] = "" clears the header
      const v = tpl.render(ctx.vars);
      if (v === '') delete h[name];
      else h[name] = v;
    }
    for (const name of s.headers.remove) delete h[name];
  },
  bodyFilter(ctx, s, chunk, eof) {
    if (ctx.shared.get(MATCHED) !== true) return undefined;
    if (s.filters !== undefined) return filterBody(ctx, s, chunk, eof);
    if (s.body === undefined) return undefined;
    // The replacement is the whole body: sent at the first call, everything after dropped
    // (APISIX sets ngx.arg[2] = true).
    const key = holdKey(s);
    if (ctx.shared.has(key)) return EMPTY;
    ctx.shared.set(key, true);
    return s.body;
  },
});
