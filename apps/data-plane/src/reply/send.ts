import { isPushBody, nginxErrorPage } from '@portico/plugin-helpers';
import type { BodySink, PushBody, Reply } from '@portico/plugin-sdk';
import type { RequestCtx } from '../context.js';
import { finalizeHead } from './head.js';
import { drainOrClose, endWithBuffer, writeFirstChunk } from './write.js';
import { asBuffer, bodyFiltersOf, runBodyFilters, type BodyFilters } from './body-filter.js';

/** Content type nginx gives Lua-generated bodies in APISIX (default_type text/plain + charset utf-8). */
const TEXT_PLAIN = 'text/plain; charset=utf-8';
const TEXT_HTML = 'text/html; charset=utf-8';

function isAsyncIterable(v: unknown): v is AsyncIterable<Uint8Array> {
  return v !== null && typeof v === 'object' && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** A body streamed chunk by chunk (no content-length): a PushBody or an AsyncIterable. */
function isStreamed(v: unknown): boolean {
  return isPushBody(v) || isAsyncIterable(v);
}

function lowerHeaders(h: Reply['headers']): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  if (h) for (const k in h) out[k.toLowerCase()] = h[k]!;
  return out;
}

/**
 * Write a Reply as `core.response.exit` would: objects → JSON + "\n", strings/bytes raw,
 * async iterables streamed chunk by chunk, no body with status >= 300 → nginx's HTML page.
 * Returns a promise only for a streamed body (settled after its last chunk); a reply written
 * in one go returns undefined (no promise per request).
 */
export function sendReply(ctx: RequestCtx, reply: Reply, serverHeader: string): Promise<void> | undefined {
  const res = ctx.res;
  if (res.headersSent || res.destroyed) return;
  const headers = lowerHeaders(reply.headers);
  const body = reply.body;
  let payload: Buffer | string | undefined;
  if (body === undefined) {
    if (reply.status >= 300) {
      payload = nginxErrorPage(reply.status);
      if (payload !== undefined) headers['content-type'] = TEXT_HTML;
    }
  } else if (typeof body === 'string' || body instanceof Uint8Array) {
    payload = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else if (!isStreamed(body)) {
    payload = JSON.stringify(body) + '\n';
  }
  if (headers['content-type'] === undefined && (payload !== undefined || body !== undefined)) {
    headers['content-type'] = TEXT_PLAIN;
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  else if (!isStreamed(body)) headers['content-length'] = '0';
  const head = finalizeHead(ctx, reply.status, headers, serverHeader);
  ctx.status = head.status;
  const filters = ctx.method === 'HEAD' ? undefined : bodyFiltersOf(ctx);
  if (filters !== undefined && !isStreamed(body)) {
    const whole = payload === undefined ? undefined : typeof payload === 'string' ? Buffer.from(payload) : payload;
    const out = asBuffer(runBodyFilters(ctx, filters, whole, true));
    if (head.headers['content-length'] !== undefined) head.headers['content-length'] = String(out.length);
    res.writeHead(head.status, head.headers as Record<string, string | string[]>);
    ctx.bytesSent = out.length;
    endWithBuffer(res, out);
    return;
  }
  res.writeHead(head.status, head.headers as Record<string, string | string[]>);
  if (payload !== undefined) {
    ctx.bytesSent = Buffer.byteLength(payload);
    if (ctx.method === 'HEAD') res.end();
    else if (typeof payload === 'string') res.end(payload);
    else endWithBuffer(res, payload);
    return;
  }
  if (isPushBody(body)) return pushBody(ctx, body, filters);
  if (isAsyncIterable(body)) return streamBody(ctx, body, filters);
  res.end();
  return undefined;
}

async function streamBody(ctx: RequestCtx, body: AsyncIterable<Uint8Array>, filters: BodyFilters | undefined): Promise<void> {
  const res = ctx.res;
  const it = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (ctx.clientGone) {
        await it.return?.();
        return;
      }
      const { value, done } = await it.next();
      if (done) break;
      if (value === undefined || value.byteLength === 0) continue;
      const out = filters === undefined ? value : runBodyFilters(ctx, filters, value, false);
      if (out.byteLength === 0) continue;
      ctx.bytesSent += out.byteLength;
      // Written as produced: an SSE event must reach the client without waiting for the next.
      if (!res.write(out)) await drainOrClose(res);
    }
    if (filters !== undefined) {
      const tail = runBodyFilters(ctx, filters, undefined, true);
      ctx.bytesSent += tail.byteLength;
      if (tail.byteLength > 0) res.write(tail);
    }
    res.end();
  } catch (e) {
    ctx.logger.error({ err: (e as Error).message }, 'streaming reply body failed');
    res.destroy(e as Error);
  }
}

/**
 * Let a PushBody write straight into the response: each chunk is written from the
 * producer's own callback (the upstream socket read), with no promise or await per chunk.
 * Resolves when the producer ended or failed, or the client left.
 */
function pushBody(ctx: RequestCtx, body: PushBody, filters: BodyFilters | undefined): Promise<void> {
  const res = ctx.res;
  return new Promise<void>((resolve) => {
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      res.off('close', settle);
      resolve();
    };
    res.once('close', settle);
    let first = true;
    const sink: BodySink = {
      write(raw) {
        if (ctx.clientGone || res.destroyed || raw.byteLength === 0) return true;
        const chunk = filters === undefined ? raw : runBodyFilters(ctx, filters, raw, false);
        if (chunk.byteLength === 0) return true;
        ctx.bytesSent += chunk.byteLength;
        if (!first) return res.write(chunk);
        first = false;
        return writeFirstChunk(
          res,
          Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
        );
      },
      onDrain(cb) {
        void drainOrClose(res).then(cb);
      },
      end() {
        if (!res.destroyed) {
          const tail = filters === undefined ? undefined : runBodyFilters(ctx, filters, undefined, true);
          if (tail !== undefined && tail.byteLength > 0) {
            ctx.bytesSent += tail.byteLength;
            res.end(asBuffer(tail));
          } else res.end();
        }
        settle();
      },
      destroy(err) {
        if (!ctx.clientGone) ctx.logger.error({ err: err.message }, 'streaming reply body failed');
        if (!res.destroyed) res.destroy(err);
        settle();
      },
    };
    try {
      body.pushTo(sink);
    } catch (e) {
      sink.destroy(e as Error);
    }
  });
}
