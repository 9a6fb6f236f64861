import { hostname } from 'node:os';
import type { Logger, RequestContext, ResponseHead } from '@portico/plugin-sdk';
import { compileExpr, type CompiledExpr } from './expr.js';
import { compileLogFormat, formatUsesRequestBody, resolveLogFormat, type CompiledFormat } from './log-format.js';
import { authSources, parseQueryRedacted, redactHeaders, redactUrl, type AuthSources } from './redact.js';
import { MAX_BODY_BYTES_DEFAULT } from './schema.js';

/** Log-entry fields of a logger conf (apisix/utils/log-util.lua reads these). */
export interface LogEntryConf {
  log_format?: Record<string, unknown>;
  log_format_extra?: Record<string, unknown>;
  include_req_body?: boolean;
  include_req_body_expr?: unknown[];
  include_resp_body?: boolean;
  include_resp_body_expr?: unknown[];
  max_req_body_bytes?: number;
  max_resp_body_bytes?: number;
  /** file-logger only: log only when one of these rule sets matches. */
  match?: unknown[];
}

/** Everything derived from a LogEntryConf, built once per conf revision. */
export interface LogEntryPlan {
  readonly format: CompiledFormat | undefined;
  readonly extra: CompiledFormat | undefined;
  readonly extraKeys: readonly string[];
  readonly includeReqBody: boolean;
  readonly reqBodyExpr: CompiledExpr | undefined;
  readonly maxReqBodyBytes: number;
  readonly formatNeedsBody: boolean;
  /** False when no request can need its body logged: the access hook then does nothing. */
  readonly mayNeedBody: boolean;
  readonly match: readonly CompiledExpr[] | undefined;
  /** conf.log_format is set (even `{}`): the metadata's log_format is then ignored (log-util.lua). */
  readonly ownFormat: boolean;
  /** conf.log_format_extra is set (even `{}`): the metadata's log_format_extra is then ignored. */
  readonly ownExtra: boolean;
}

/** APISIX's default ("full") log entry, plus any ctx.logFields (llm_summary, ...). */
export interface FullLogEntry {
  request: {
    url: string;
    uri: string;
    method: string;
    headers: Record<string, string | string[]>;
    querystring: Record<string, unknown>;
    size: number | undefined;
    body?: string;
  };
  response: { status: number; headers: Record<string, string | string[]>; size: number };
  server: { hostname: string; version: string };
  upstream: string | undefined;
  service_id: string | undefined;
  route_id: string | undefined;
  consumer: { username: string } | undefined;
  client_ip: string;
  start_time: number;
  latency: number;
  upstream_latency: number | undefined;
  apisix_latency: number;
  [extra: string]: unknown;
}

/** A log entry: the full shape, or whatever a custom log_format produced. */
export type LogEntry = FullLogEntry | Record<string, unknown>;

/** Version reported as `server.version` (APISIX reports core.version.VERSION). */
export const SERVER_VERSION = '0.1.0';
const HOSTNAME = hostname();

const RESPONSE_HEAD_KEY = 'log-util:response-head';
const REQUEST_BODY_KEY = 'log-util:request-body';

/** Compile a logger conf's log-entry fields (formats, expressions). Throws ExprError on a bad rule. */
export function prepareLogEntry(conf: LogEntryConf, logger?: Logger): LogEntryPlan {
  // log-util.lua get_log_entry: `if conf.log_format or ...` — a present (even empty) table is custom.
  const format = conf.log_format !== undefined ? compileLogFormat(conf.log_format) : undefined;
  const extraConf = conf.log_format_extra && Object.keys(conf.log_format_extra).length > 0 ? conf.log_format_extra : undefined;
  // log_format_extra is ignored when log_format is set (http-logger.md).
  const extra = extraConf && !format ? compileLogFormat(extraConf) : undefined;
  if (conf.include_resp_body) {
    // The plugin contract has no body_filter phase, so the response body cannot be captured.
    logger?.warn('include_resp_body is not supported by Portico yet; response bodies are not logged');
  }
  const formatNeedsBody =
    (format !== undefined && formatUsesRequestBody(format)) || (extra !== undefined && formatUsesRequestBody(extra));
  const includeReqBody = conf.include_req_body === true;
  return {
    format,
    extra,
    extraKeys: extraConf ? Object.keys(extraConf) : [],
    includeReqBody,
    reqBodyExpr: conf.include_req_body_expr ? compileExpr(conf.include_req_body_expr) : undefined,
    maxReqBodyBytes: conf.max_req_body_bytes ?? MAX_BODY_BYTES_DEFAULT,
    formatNeedsBody,
    // A custom log_format never carries include_req_body's body (http-logger.md note).
    mayNeedBody: formatNeedsBody || (includeReqBody && !format),
    match: conf.match ? conf.match.map((m) => compileExpr(m)) : undefined,
    ownFormat: conf.log_format !== undefined,
    ownExtra: conf.log_format_extra !== undefined,
  };
}

const varLookup = (ctx: RequestContext) => (name: string) => ctx.vars.get(name);

function wantsBody(ctx: RequestContext, plan: LogEntryPlan): boolean {
  if (plan.formatNeedsBody) return true;
  if (!plan.includeReqBody || plan.format) return false;
  return plan.reqBodyExpr ? plan.reqBodyExpr.eval(varLookup(ctx)) : true;
}

/**
 * Access-phase helper (log-util.lua check_and_read_req_body): read the request body while
 * it is still available so the log phase can include it. Never throws.
 */
export async function readRequestBodyForLog(ctx: RequestContext, plan: LogEntryPlan): Promise<void> {
  if (!wantsBody(ctx, plan) || ctx.shared.has(REQUEST_BODY_KEY)) return;
  try {
    ctx.shared.set(REQUEST_BODY_KEY, await ctx.readBody());
  } catch (err) {
    ctx.logger.error({ err: (err as Error).message }, 'fail to get request body');
  }
}

/** header_filter helper: remember the response head so the entry logs what the client got. */
export function captureResponseHead(ctx: RequestContext, res: ResponseHead): void {
  ctx.shared.set(RESPONSE_HEAD_KEY, res);
}

/** The request body the access phase kept for this plan (truncated to max_req_body_bytes), if any. */
export function requestBody(ctx: RequestContext, plan: LogEntryPlan): string | undefined {
  const body = ctx.shared.get(REQUEST_BODY_KEY);
  if (!Buffer.isBuffer(body)) return undefined;
  // log-util.lua get_request_body keeps the first max_req_body_bytes bytes.
  return (body.length > plan.maxReqBodyBytes ? body.subarray(0, plan.maxReqBodyBytes) : body).toString('utf8');
}

function numberVar(ctx: RequestContext, name: string): number | undefined {
  const v = ctx.vars.get(name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

/** nginx's $upstream_response_time is seconds, comma-separated per attempt; sum the attempts. */
function upstreamSeconds(ctx: RequestContext): number | undefined {
  const v = ctx.vars.get('upstream_response_time');
  if (!v) return undefined;
  let total = 0;
  for (const part of v.split(/[,:]/)) {
    const n = Number(part.trim());
    if (!Number.isNaN(n)) total += n;
  }
  return total;
}

function hostOf(ctx: RequestContext): string {
  const v = ctx.vars.get('host');
  if (v) return v;
  const h = ctx.headers['host'];
  const host = Array.isArray(h) ? h[0] : h;
  return (host ?? '').replace(/:\d+$/, '').toLowerCase();
}

function fullLog(ctx: RequestContext, plan: LogEntryPlan, sources: AuthSources): FullLogEntry {
  const scheme = ctx.vars.get('scheme') ?? 'http';
  const host = hostOf(ctx);
  const port = ctx.vars.get('server_port');
  const requestUri = redactUrl(ctx.vars.get('request_uri') ?? (ctx.rawQuery ? `${ctx.uri}?${ctx.rawQuery}` : ctx.uri), sources);
  const head = ctx.shared.get(RESPONSE_HEAD_KEY) as ResponseHead | undefined;
  // ngx.now() - ngx.req.start_time(), from the monotonic clock; start_time is wall clock.
  const latency = Number(process.hrtime.bigint() - ctx.startNs) / 1e6;
  const upstreamS = upstreamSeconds(ctx);
  const upstreamLatency = upstreamS === undefined ? undefined : upstreamS * 1000;
  const entry: FullLogEntry = {
    request: {
      url: `${scheme}://${host}${port ? `:${port}` : ''}${requestUri}`,
      uri: requestUri,
      method: ctx.method,
      headers: redactHeaders(ctx.headers, sources),
      querystring: parseQueryRedacted(ctx.rawQuery, sources),
      size: numberVar(ctx, 'request_length'),
    },
    response: {
      status: head?.status ?? ctx.status,
      headers: redactHeaders(head?.headers ?? ctx.respHeaders, sources),
      size: numberVar(ctx, 'bytes_sent') ?? ctx.bytesSent,
    },
    server: { hostname: HOSTNAME, version: SERVER_VERSION },
    upstream: ctx.vars.get('upstream_addr') || undefined,
    // log-util.lua: service_id is the route's service ("" when none), or $host when no route matched.
    service_id: ctx.routeId !== undefined ? (ctx.vars.get('service_id') ?? '') : host,
    route_id: ctx.routeId,
    consumer: ctx.consumer ? { username: ctx.consumer.username } : undefined,
    client_ip: ctx.vars.get('remote_addr') ?? ctx.remoteAddr,
    start_time: Math.round(Date.now() - latency),
    latency,
    upstream_latency: upstreamLatency,
    // Clamped at 0 like APISIX (issue #5146: clocks differ between the two measurements).
    apisix_latency: upstreamLatency === undefined ? latency : Math.max(0, latency - upstreamLatency),
  };
  if (plan.includeReqBody) {
    const body = requestBody(ctx, plan);
    if (body !== undefined) entry.request.body = body;
  }
  return entry;
}

/**
 * Build one log entry (log-util.lua get_log_entry): the full shape, or the custom
 * log_format with route_id/service_id appended; then every ctx.logFields key
 * (llm_summary, llm_request, llm_response_text) at top level. Returns undefined
 * when a file-logger `match` rejects the request. Secrets are redacted (redact.ts).
 */
export function buildLogEntry(ctx: RequestContext, plan: LogEntryPlan): LogEntry | undefined {
  if (plan.match && !plan.match.some((m) => m.eval(varLookup(ctx)))) return undefined;
  const sources = authSources(ctx);
  let entry: Record<string, unknown>;
  if (plan.format) {
    entry = resolveLogFormat(plan.format, {
      getVar: (name) => ctx.vars.get(name),
      requestBody: plan.formatNeedsBody ? requestBody(ctx, plan) : undefined,
      sources,
    });
    if (ctx.routeId !== undefined) {
      const serviceId = ctx.vars.get('service_id');
      if (serviceId) entry['service_id'] = serviceId;
      entry['route_id'] = ctx.routeId;
    }
  } else {
    entry = fullLog(ctx, plan, sources);
    if (plan.extra) {
      const extra = resolveLogFormat(plan.extra, {
        getVar: (name) => ctx.vars.get(name),
        requestBody: plan.formatNeedsBody ? requestBody(ctx, plan) : undefined,
        sources,
      });
      // log_format_extra only adds keys; it never replaces a default field.
      for (const key of plan.extraKeys) if (entry[key] === undefined && extra[key] !== undefined) entry[key] = extra[key];
    }
  }
  for (const [key, value] of Object.entries(ctx.logFields)) {
    if (value !== undefined && value !== null) entry[key] = value;
  }
  return entry;
}
