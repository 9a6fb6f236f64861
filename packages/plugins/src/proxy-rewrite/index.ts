/**
 * proxy-rewrite runtime (apisix/plugins/proxy-rewrite.lua): in the rewrite phase, set the
 * upstream URI (`uri` template, first matching `regex_uri` pair, or the raw request URI with
 * `use_real_request_uri_unsafe`), the upstream Host, the upstream method, and add/set/remove
 * request headers. Header edits change `ctx.headers`, so plugins that build their own upstream
 * request from the client headers (ai-proxy) send them too, as in APISIX; uri, host and method
 * only affect the core proxy.
 */
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { definePlugin } from '@portico/plugin-helpers';
import { appendHeader, luaToString } from '../rewrite-util/headers.js';
import { compileNgxRegex, compileReplacement, ngxMatch, ngxSub, type NgxRegex, type Replacement } from '../rewrite-util/pcre.js';
import { compileVarTemplate, resolveCaptures, type VarTemplate } from '../rewrite-util/template.js';
import { escapeControlChars, uriSafeEncode } from '../rewrite-util/uri-encode.js';
import { isNewHeadersConf, proxyRewriteDefinition, type HeaderValue, type ProxyRewriteConf } from './schema.js';

/** A header value: a `$var` template parsed once, or raw text when it refers to regex captures. */
interface HeaderVal {
  raw: string;
  /** Undefined when the value has `$N` captures: they are substituted first, per request. */
  tpl: VarTemplate | undefined;
}

/** One header edit: lower-case name, values, and whether the conf gave a list. */
interface HeaderOp {
  name: string;
  values: readonly HeaderVal[];
  list: boolean;
}

const CAPTURE_REF = /(?<!\\)\$\{?\d/;

function headerVal(raw: string): HeaderVal {
  return { raw, tpl: CAPTURE_REF.test(raw) ? undefined : compileVarTemplate(raw) };
}

interface RegexPair {
  re: NgxRegex;
  rep: Replacement;
  pattern: string;
  template: string;
}

export interface ProxyRewriteState {
  uri: VarTemplate | undefined;
  regex: readonly RegexPair[] | undefined;
  host: string | undefined;
  method: string | undefined;
  unsafe: boolean;
  add: readonly HeaderOp[];
  set: readonly HeaderOp[];
  remove: readonly string[];
  /** A header edit touches Host: pin the upstream Host first (nginx set $upstream_host earlier). */
  touchesHost: boolean;
}

function op(name: string, v: HeaderValue): HeaderOp {
  const list = Array.isArray(v);
  return { name: name.toLowerCase(), values: (list ? v : [v]).map((x) => headerVal(luaToString(x))), list };
}

export function prepareProxyRewrite(conf: ProxyRewriteConf): ProxyRewriteState {
  let add: HeaderOp[] = [];
  let set: HeaderOp[] = [];
  let remove: string[] = [];
  const h = conf.headers;
  if (h !== undefined) {
    if (isNewHeadersConf(h)) {
      add = Object.entries(h.add ?? {}).map(([k, v]) => op(k, v));
      set = Object.entries(h.set ?? {}).map(([k, v]) => op(k, v));
      remove = (h.remove ?? []).map((n) => n.toLowerCase());
    } else set = Object.entries(h).map(([k, v]) => op(k, v));
  }
  const regex: RegexPair[] | undefined = conf.regex_uri === undefined ? undefined : [];
  if (conf.regex_uri !== undefined) {
    for (let i = 0; i + 1 < conf.regex_uri.length; i += 2) {
      const pattern = conf.regex_uri[i]!;
      const template = conf.regex_uri[i + 1]!;
      regex!.push({ re: compileNgxRegex(pattern), rep: compileReplacement(template), pattern, template });
    }
  }
  return {
    uri: conf.uri === undefined ? undefined : compileVarTemplate(conf.uri),
    regex,
    host: conf.host,
    method: conf.method,
    unsafe: conf.use_real_request_uri_unsafe === true,
    add,
    set,
    remove,
    touchesHost: [...add, ...set].some((o) => o.name === 'host') || remove.includes('host'),
  };
}

/** proxy-rewrite.lua escape_separator: the first `?` of a variable's value becomes `%3F`. */
const escapeSeparator = (v: string): string => (v.includes('?') ? v.replace('?', '%3F') : v);

/** resolve_header_value: regex captures first, then `$var`s. */
function resolveHeader(v: HeaderVal, captures: RegExpExecArray | undefined, ctx: RequestContext): string {
  if (v.tpl !== undefined) return v.tpl.render(ctx.vars);
  const withCaptures = resolveCaptures(v.raw, captures);
  return withCaptures.includes('$') ? compileVarTemplate(withCaptures).render(ctx.vars) : withCaptures;
}

/** The upstream URI with its query, and the captures of the regex_uri pair that matched. */
function upstreamUri(ctx: RequestContext, s: ProxyRewriteState): { uri: string; captures: RegExpExecArray | undefined } {
  let uri = ctx.uri;
  let separatorEscaped = false;
  let query = '';
  let captures: RegExpExecArray | undefined;
  if (s.unsafe) {
    uri = ctx.vars.get('real_request_uri') ?? ctx.vars.get('request_uri') ?? uri;
    const q = uri.indexOf('?');
    query = q >= 0 ? uri.slice(q) : '';
  }
  if (s.uri !== undefined) {
    separatorEscaped = true;
    uri = s.uri.render(ctx.vars, escapeSeparator);
    if (query !== '') uri += uri.includes('?') ? '&' + query.slice(1) : query;
  } else if (s.regex !== undefined) {
    if (!uri.includes('?')) separatorEscaped = true;
    for (const p of s.regex) {
      const m = ngxMatch(uri, p.re);
      if (m === undefined) continue;
      captures = m;
      uri = ngxSub(uri, p.re, p.rep).out;
      break;
    }
  }
  if (s.unsafe) return { uri, captures };
  const index = separatorEscaped ? uri.indexOf('?') : -1;
  uri = index >= 0 ? uriSafeEncode(uri.slice(0, index)) + escapeControlChars(uri.slice(index)) : uriSafeEncode(uri);
  if (ctx.rawQuery !== '') uri += (index >= 0 ? '&' : '?') + ctx.rawQuery;
  return { uri, captures };
}

function editHeaders(ctx: RequestContext, s: ProxyRewriteState, captures: RegExpExecArray | undefined): void {
  const headers = ctx.headers;
  if (s.touchesHost) {
    const host = headers.host;
    ctx.vars.set('upstream_host', ctx.vars.get('upstream_host') ?? (Array.isArray(host) ? host[0] : host));
  }
  // An empty value is never sent: nginx adds it as a dead entry, and a set with it clears
  // the header (lua-nginx-module set_header_helper).
  for (const o of s.add) {
    for (const v of o.values) {
      const val = resolveHeader(v, captures, ctx);
      if (val !== '') appendHeader(headers, o.name, val);
    }
  }
  for (const o of s.set) {
    if (!o.list) {
      const val = resolveHeader(o.values[0]!, captures, ctx);
      if (val === '') delete headers[o.name];
      else headers[o.name] = val;
      continue;
    }
    const vals = o.values.map((v) => resolveHeader(v, captures, ctx)).filter((v) => v !== '');
    if (vals.length > 0) headers[o.name] = vals;
    else if (o.values.length > 0) delete headers[o.name];
  }
  for (const name of s.remove) delete headers[name];
}

export const proxyRewrite = definePlugin<ProxyRewriteConf, ProxyRewriteState>(proxyRewriteDefinition, {
  prepare: prepareProxyRewrite,
  rewrite(ctx, s): Reply | undefined {
    if (s.host !== undefined) ctx.vars.set('upstream_host', s.host);
    const { uri, captures } = upstreamUri(ctx, s);
    ctx.vars.set('upstream_uri', uri);
    if (s.add.length > 0 || s.set.length > 0 || s.remove.length > 0) editHeaders(ctx, s, captures);
    if (s.method !== undefined) ctx.upstreamMethod = s.method;
    return undefined;
  },
});
