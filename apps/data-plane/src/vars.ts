import type { IncomingMessage } from 'node:http';
import type { ConsumerInfo, VarStore } from '@portico/plugin-sdk';
import type { UpstreamFacts } from './upstream-facts.js';

/** What the variables are computed from: the request context (context.ts) as seen from here. */
export interface VarContext {
  readonly req: IncomingMessage;
  readonly uri: string;
  readonly rawQuery: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly host: string;
  readonly method: string;
  /** $remote_addr / $remote_port (real-ip may have replaced them). */
  readonly remoteAddr: string;
  readonly remotePort: number;
  /** $realip_remote_addr / $realip_remote_port: the connection's. */
  readonly connRemoteAddr: string;
  readonly connRemotePort: number;
  readonly status: number;
  readonly requestId: string;
  readonly routeId: string | undefined;
  readonly routeName: string | undefined;
  readonly serviceId: string | undefined;
  readonly serviceName: string | undefined;
  readonly consumer: ConsumerInfo | undefined;
  readonly upstream: UpstreamFacts;
  readonly startNs: bigint;
  readonly bytesSent: number;
}

/**
 * nginx variables computed on demand from the request context (APISIX `api_ctx.var`,
 * apisix/core/ctx.lua). Nothing is computed until a plugin, the router or the access
 * log asks for it; plugin `set()`s live in a map created on first write.
 */
export class Vars implements VarStore {
  /** Plugin-set values; numbers stay numbers until read (most are never read). */
  private overrides: Map<string, string | number> | undefined;
  private argsCache: Map<string, string> | undefined;
  private argsFrom: string | undefined;
  private cookies: Map<string, string> | undefined;

  constructor(private readonly ctx: VarContext) {}

  set(name: string, value: string | number | undefined): void {
    if (!this.overrides) this.overrides = new Map();
    this.overrides.set(name, value === undefined ? UNSET : value);
  }

  /** A value a plugin set explicitly (e.g. `upstream_uri`), ignoring built-ins. */
  override(name: string): string | undefined {
    const o = this.overrides?.get(name);
    return o === UNSET || o === undefined ? undefined : typeof o === 'number' ? String(o) : o;
  }

  get(name: string): string | undefined {
    if (this.overrides !== undefined) {
      const o = this.overrides.get(name);
      if (o !== undefined) return o === UNSET ? undefined : typeof o === 'number' ? String(o) : o;
    }
    const c = this.ctx;
    switch (name) {
      case 'uri':
        return c.uri;
      case 'request_uri':
        return c.req.url;
      // The request target as received (APISIX keeps it when it normalises request_uri).
      case 'real_request_uri':
        return c.req.url;
      case 'args':
      case 'query_string':
        return c.rawQuery === '' ? undefined : c.rawQuery;
      case 'is_args':
        return c.rawQuery === '' ? '' : '?';
      case 'host':
        return c.host;
      case 'server_port':
        return String(c.req.socket.localPort ?? '');
      case 'server_addr':
        return c.req.socket.localAddress;
      case 'remote_addr':
        return c.remoteAddr;
      case 'remote_port':
        return String(c.remotePort);
      case 'realip_remote_addr':
        return c.connRemoteAddr;
      case 'realip_remote_port':
        return String(c.connRemotePort);
      case 'request_method':
        return c.method;
      case 'scheme':
        return 'http';
      case 'server_protocol':
        return `HTTP/${c.req.httpVersion}`;
      case 'status':
        return c.status ? String(c.status) : undefined;
      case 'request_id':
      case 'apisix_request_id':
        return c.requestId;
      case 'route_id':
        return c.routeId;
      case 'route_name':
        return c.routeName;
      case 'service_id':
        return c.serviceId;
      case 'service_name':
        return c.serviceName;
      case 'consumer_name':
        return c.consumer?.username;
      case 'consumer_group_id':
        return c.consumer?.groupId;
      case 'upstream_addr':
        return c.upstream.addr;
      case 'upstream_status':
        return c.upstream.status;
      case 'upstream_response_time':
      case 'apisix_upstream_response_time':
        return c.upstream.responseTime;
      case 'upstream_header_time':
        return c.upstream.headerTime;
      // APISIX's nginx template presets these (`set $upstream_scheme 'http'`,
      // `set $upstream_host $http_host`, `set $upstream_uri ''`), so requests that never
      // reached an upstream log "http://<host>" rather than "-://--".
      case 'upstream_scheme':
        return c.upstream.scheme ?? 'http';
      case 'upstream_host':
        return c.upstream.host ?? header(c, 'host');
      case 'upstream_uri':
        return c.upstream.uri ?? '';
      case 'request_time':
        return (Number(process.hrtime.bigint() - c.startNs) / 1e9).toFixed(3);
      case 'body_bytes_sent':
        return String(c.bytesSent);
      case 'bytes_sent':
        return String(c.bytesSent);
      case 'time_local':
        return timeLocal();
      case 'time_iso8601':
        return new Date().toISOString().slice(0, 19) + '+00:00';
      case 'msec':
        return (Date.now() / 1000).toFixed(3);
      case 'request_line':
      case 'request':
        return `${c.method} ${c.req.url} HTTP/${c.req.httpVersion}`;
      case 'remote_user':
        return remoteUser(header(c, 'authorization'));
      case 'content_type':
        return header(c, 'content-type');
      case 'content_length':
        return header(c, 'content-length');
      case 'request_length':
        return String(requestLength(c));
      // AI variables APISIX registers with these defaults (apisix/cli/ngx_tpl.lua `set $llm_* ...`).
      case 'request_type':
        return 'traditional_http';
      case 'request_llm_model':
      case 'llm_model':
        return '';
      case 'llm_time_to_first_token':
      case 'llm_prompt_tokens':
      case 'llm_completion_tokens':
        return '0';
      // 3.18 additions (ngx_tpl.lua); set by ai-proxy / ai-proxy-multi (ai-shared/llm-vars.ts).
      case 'llm_total_tokens':
      case 'llm_tool_count':
      case 'llm_cache_read_input_tokens':
      case 'llm_cache_creation_input_tokens':
      case 'llm_reasoning_tokens':
        return '0';
      case 'llm_stream':
      case 'llm_has_tool_calls':
        return 'false';
      case 'llm_end_user_id':
      case 'llm_content_risk_level':
        return '';
    }
    if (name.startsWith('http_')) return header(c, httpHeaderName(name));
    if (name.startsWith('arg_')) return this.arg(name.slice(4));
    if (name.startsWith('cookie_')) return this.cookie(name.slice(7));
    return undefined;
  }

  private arg(name: string): string | undefined {
    const q = this.ctx.rawQuery;
    if (q === '') return undefined;
    if (this.argsCache === undefined || this.argsFrom !== q) {
      this.argsCache = parseQuery(q);
      this.argsFrom = q;
    }
    return this.argsCache.get(name);
  }

  private cookie(name: string): string | undefined {
    if (this.cookies === undefined) this.cookies = parseCookies(header(this.ctx, 'cookie'));
    return this.cookies.get(name);
  }
}

/**
 * nginx $request_length: request line, header block and body bytes. The head is rebuilt
 * from what node parsed (same byte count for well-formed requests); the body counts its
 * Content-Length.
 */
function requestLength(c: VarContext): number {
  const req = c.req;
  let n = req.method!.length + 1 + (req.url ?? '').length + 11; // "GET /x HTTP/1.1\r\n"
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) n += raw[i]!.length + 2 + Buffer.byteLength(raw[i + 1]!) + 2;
  n += 2;
  const cl = Number(req.headers['content-length']);
  return Number.isFinite(cl) ? n + cl : n;
}

/** Marker for a variable a plugin explicitly cleared. */
const UNSET = '\u0000unset';

const headerNames = new Map<string, string>();
/** `http_x_api_key` → `x-api-key` (cached: the set of names is small and fixed per config). */
function httpHeaderName(varName: string): string {
  let n = headerNames.get(varName);
  if (n === undefined) {
    n = varName.slice(5).toLowerCase().replace(/_/g, '-');
    if (headerNames.size < 10_000) headerNames.set(varName, n);
  }
  return n;
}

function header(c: VarContext, name: string): string | undefined {
  const v = c.headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v[0];
}

function safeDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** First value of each query argument, decoded (ngx.req.get_uri_args semantics). */
export function parseQuery(q: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of q.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (!m.has(k)) m.set(k, eq < 0 ? '' : safeDecode(part.slice(eq + 1)));
  }
  return m;
}

function parseCookies(h: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (!h) return m;
  for (const part of h.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    if (!m.has(k)) m.set(k, part.slice(eq + 1).trim());
  }
  return m;
}

function remoteUser(auth: string | undefined): string | undefined {
  if (!auth || !/^basic /i.test(auth)) return undefined;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(0, colon);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let tlSecond = -1;
let tlText = '';
const p2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** nginx $time_local, e.g. `10/Oct/2000:13:55:36 +0200`; formatted once per second. */
export function timeLocal(now = Date.now()): string {
  const sec = Math.floor(now / 1000);
  if (sec === tlSecond) return tlText;
  const d = new Date(now);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  tlText =
    `${p2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:` +
    `${p2(d.getSeconds())} ${sign}${p2(Math.floor(abs / 60))}${p2(abs % 60)}`;
  tlSecond = sec;
  return tlText;
}
