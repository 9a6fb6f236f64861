import type { IncomingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_HEADERS } from '@portico/plugin-helpers';
import type { RequestCtx } from '../context.js';

function connectionTokens(v: string | string[] | undefined): Set<string> | undefined {
  if (v === undefined) return undefined;
  const s = Array.isArray(v) ? v.join(',') : v;
  if (s === 'keep-alive' || s === 'close') return undefined;
  return new Set(s.split(',').map((t) => t.trim().toLowerCase()));
}

/**
 * Request headers for the upstream, as APISIX's nginx location sets them
 * (apisix/cli/ngx_tpl.lua): client headers minus hop-by-hop ones, `Host: $upstream_host`,
 * `X-Real-IP`, and `X-Forwarded-For/-Proto/-Host/-Port` (client-supplied Host/Port kept).
 */
export function upstreamRequestHeaders(
  ctx: RequestCtx,
  host: string,
  bodyLength: number | undefined,
): Record<string, string | string[]> {
  const src = ctx.headers;
  const drop = connectionTokens(src.connection);
  const out: Record<string, string | string[]> = {};
  for (const k in src) {
    const v = src[k];
    if (v === undefined || HOP_BY_HOP_HEADERS.has(k) || (drop !== undefined && drop.has(k))) continue;
    out[k] = v;
  }
  out.host = host;
  out['x-real-ip'] = ctx.remoteAddr;
  const xff = src['x-forwarded-for'];
  out['x-forwarded-for'] = xff ? `${Array.isArray(xff) ? xff.join(', ') : xff}, ${ctx.remoteAddr}` : ctx.remoteAddr;
  out['x-forwarded-proto'] = 'http';
  if (!src['x-forwarded-host']) out['x-forwarded-host'] = ctx.host;
  if (!src['x-forwarded-port']) out['x-forwarded-port'] = String(ctx.req.socket.localPort ?? '');
  if (bodyLength !== undefined) out['content-length'] = String(bodyLength);
  return out;
}

/** Upstream response headers for the client: hop-by-hop fields removed (in place). */
export function clientResponseHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const drop = connectionTokens(h.connection);
  // Only delete what is there: `delete` turns the object into a slow dictionary.
  for (const k of HOP_BY_HOP_HEADERS) if (h[k] !== undefined) delete h[k];
  if (drop !== undefined) for (const k of drop) if (h[k] !== undefined) delete h[k];
  return h as Record<string, string | string[]>;
}
