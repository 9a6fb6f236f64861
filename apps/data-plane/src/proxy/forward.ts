import type { IncomingMessage } from 'node:http';
import type { Reply } from '@portico/plugin-sdk';
import { classifyUpstreamError, type UpstreamFailure } from '@portico/plugin-helpers';
import type { Dispatcher } from 'undici';
import type { RequestCtx } from '../context.js';
import { asBuffer, bodyFiltersOf, runBodyFilters, type BodyFilters } from '../reply/body-filter.js';
import { finalizeHead } from '../reply/head.js';
import { endWithBuffer, writeFirstChunk } from '../reply/write.js';
import { encodePath } from '../uri.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import type { Timeouts, UpstreamNode, UpstreamRuntime } from './upstream.js';

type Attempt = { ok: true } | { ok: false; failure: UpstreamFailure; err: Error };

function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  return (cl !== undefined && cl !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Request bodies up to this size are buffered before the upstream call. */
const BUFFER_BODY_MAX = 64 * 1024;

function smallBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  return cl !== undefined && req.headers['transfer-encoding'] === undefined && Number(cl) <= BUFFER_BODY_MAX;
}

/** Host header for the upstream (apisix/init.lua set_upstream_host, balancer.lua parse_server_for_upstream_host). */
function upstreamHost(ctx: RequestCtx, up: UpstreamRuntime, node: UpstreamNode): string {
  if (up.passHost === 'rewrite' && up.upstreamHost) return up.upstreamHost;
  if (up.passHost === 'node') {
    const std = up.scheme === 'https' ? 443 : 80;
    const h = node.host.includes(':') ? `[${node.host}]` : node.host;
    return node.port === std ? h : `${h}:${node.port}`;
  }
  // pass: a plugin-set $upstream_host (proxy-rewrite `host`), else the client's Host.
  const set = ctx.vars.override('upstream_host');
  if (set !== undefined) return set;
  const h = ctx.headers.host;
  return (Array.isArray(h) ? h[0] : h) ?? '';
}

function msSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Proxy the request to the upstream with retries on connection failures and timeouts
 * before any response byte (nginx proxy_next_upstream error timeout). Bodies stream both
 * ways without buffering. Resolves undefined once the upstream response was relayed (or the
 * client left), or a Reply for APISIX's error statuses: 502 connect error, 504 timeout,
 * 503 no node.
 */
export async function forward(
  ctx: RequestCtx,
  up: UpstreamRuntime,
  routeTimeouts: Timeouts | undefined,
  serverHeader: string,
): Promise<Reply | undefined> {
  const req = ctx.req;
  // The client left while plugins ran: do not start an upstream call nobody will read.
  if (ctx.clientGone) return undefined;
  let body: Buffer | IncomingMessage | null;
  if (ctx.bodyOverride !== undefined) body = ctx.bodyOverride;
  else if (ctx.bodyRead) body = await ctx.readBody();
  else if (!hasBody(req)) body = null;
  // Small bodies with a known length are read first and sent with the request head in one
  // write, as nginx does (proxy_request_buffering on); larger ones stream.
  else if (smallBody(req)) {
    try {
      body = await ctx.readBody();
    } catch (e) {
      if (ctx.clientGone || req.destroyed) return undefined;
      throw e;
    }
  } else body = req;
  const override = ctx.vars.override('upstream_uri');
  const path =
    override ?? (ctx.uri === ctx.rawPath ? ctx.rawPath : encodePath(ctx.uri)) + (ctx.rawQuery === '' ? '' : '?' + ctx.rawQuery);
  const timeouts = routeTimeouts ?? up.timeouts;
  ctx.upstream.exchange(up.scheme, path);

  let tried: Set<string> | undefined;
  let attempts = 0;
  for (;;) {
    const node = up.pick(ctx, tried ?? EMPTY);
    if (node === undefined) {
      if (tried === undefined) {
        ctx.logger.error({ route_id: ctx.routeId }, 'failed to pick server: no valid upstream node');
        return { status: 503 };
      }
      return { status: 502 };
    }
    const host = upstreamHost(ctx, up, node);
    ctx.upstream.attempt(node.name, host);
    const started = process.hrtime.bigint();
    const headers = upstreamRequestHeaders(ctx, host, Buffer.isBuffer(body) ? body.length : undefined);
    const result = await dispatchOnce(ctx, up, node, path, headers, body, timeouts, serverHeader, started);
    if (result.ok) return undefined;
    if (ctx.clientGone) return undefined;
    const { failure } = result;
    ctx.upstream.failed(failure.status, msSince(started));
    ctx.logger.error(
      { upstream: node.name, route_id: ctx.routeId, err: result.err.message, code: failure.code || undefined },
      'upstream request failed',
    );
    const bodyConsumed = body === req && (req.readableDidRead || req.destroyed);
    if (!failure.retryable || bodyConsumed || attempts >= up.retries) return { status: failure.status };
    (tried ??= new Set()).add(node.name);
    attempts++;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function dispatchOnce(
  ctx: RequestCtx,
  up: UpstreamRuntime,
  node: UpstreamNode,
  path: string,
  headers: Record<string, string | string[]>,
  body: Buffer | IncomingMessage | null,
  t: Timeouts,
  serverHeader: string,
  started: bigint,
): Promise<Attempt> {
  return new Promise<Attempt>((resolve) => {
    const agent = up.agent(t.connect);
    const temporary = up.isClosed;
    const res = ctx.res;
    let startedResponse = false;
    let controller: Dispatcher.DispatchController | undefined;
    let waitingDrain = false;
    let firstChunk = true;
    // Plugins with a body filter (response-rewrite): every chunk goes through them.
    let filters: BodyFilters | undefined;
    // The first body chunk waits one tick: when the whole response came in one socket read
    // (small answers), head and body leave in a single `res.end` write.
    let held: Buffer | undefined;
    const flushHeld = (): void => {
      if (held === undefined) return;
      const c = held;
      held = undefined;
      if (!res.destroyed) writeFirstChunk(res, c);
    };
    const done = (a: Attempt): void => {
      ctx.onClientAbort = undefined;
      if (temporary) void agent.close().catch(() => undefined);
      resolve(a);
    };
    const onDrain = (): void => {
      waitingDrain = false;
      controller?.resume();
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        ctx.onClientAbort = () => c.abort(new Error('client closed the connection'));
      },
      onResponseStart(_c, statusCode, rawHeaders) {
        if (statusCode < 200) return;
        startedResponse = true;
        ctx.upstream.responded(statusCode, msSince(started));
        const head = finalizeHead(ctx, statusCode, clientResponseHeaders(rawHeaders), serverHeader);
        ctx.status = head.status;
        res.writeHead(head.status, head.headers as Record<string, string | string[]>);
        if (ctx.method !== 'HEAD') filters = bodyFiltersOf(ctx);
      },
      onResponseData(c, raw) {
        const chunk = filters === undefined ? raw : asBuffer(runBodyFilters(ctx, filters, raw, false));
        if (chunk.length === 0) return;
        ctx.bytesSent += chunk.length;
        if (firstChunk) {
          firstChunk = false;
          held = chunk;
          process.nextTick(flushHeld);
          return;
        }
        flushHeld();
        if (!res.write(chunk) && !waitingDrain) {
          waitingDrain = true;
          c.pause();
          res.once('drain', onDrain);
        }
      },
      onResponseEnd() {
        ctx.upstream.finished(msSince(started));
        if (filters !== undefined) {
          flushHeld();
          const tail = asBuffer(runBodyFilters(ctx, filters, undefined, true));
          ctx.bytesSent += tail.length;
          if (tail.length > 0) res.end(tail);
          else res.end();
        } else if (held !== undefined) {
          const c = held;
          held = undefined;
          endWithBuffer(res, c);
        } else res.end();
        done({ ok: true });
      },
      onResponseError(_c, err) {
        held = undefined;
        if (startedResponse || ctx.clientGone) {
          // Headers are out: nothing to answer with, cut the client connection like nginx.
          if (!res.destroyed) res.destroy(err);
          done({ ok: true });
          return;
        }
        done({ ok: false, failure: classifyUpstreamError(err), err });
      },
    };
    try {
      agent.dispatch(
        {
          origin: node.origin,
          path,
          method: (ctx.upstreamMethod ?? ctx.method) as Dispatcher.HttpMethod,
          headers,
          body,
          headersTimeout: t.read,
          bodyTimeout: t.read,
        },
        handler,
      );
    } catch (e) {
      done({
        ok: false,
        failure: { ...classifyUpstreamError(e), status: 502, timeout: false, retryable: false },
        err: e as Error,
      });
    }
  });
}
