import type { BodySink, PushBody, Reply, RequestContext } from '@portico/plugin-sdk';
import { SseDecoder, type SseEvent } from '@portico/providers';
import { AiProxyError, type AttemptResult } from '../ai-shared/types.js';

type Failure = Extract<AttemptResult, { ok: false }>;

/** Outcome of waiting for a stream's first token. */
export type FirstToken = { ok: true; reply: Reply; ttftMs: number } | { ok: false; failure: Failure; reason: string };

const isIterable = (b: unknown): b is AsyncIterable<Uint8Array> =>
  b !== null && typeof b === 'object' && typeof (b as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

/** An SSE event that reports an error (`event: error`, or an OpenAI-style `{"error": …}` payload). */
export function isErrorEvent(ev: SseEvent): boolean {
  if (ev.event === 'error') return true;
  if (ev.done || !ev.data.startsWith('{')) return false;
  try {
    const d = JSON.parse(ev.data) as Record<string, unknown>;
    return d.error !== undefined && d.error !== null && d.choices === undefined;
  } catch {
    return false;
  }
}

const sseFailure = (status: number, code: AiProxyError['code'], message: string, body?: string): Failure => ({
  ok: false,
  status,
  body: Buffer.from(body ?? `${JSON.stringify({ message })}\n`),
  headers: { 'content-type': 'application/json' },
  error: new AiProxyError(code, message),
});

/** A well-formed SSE error event (the stream's last event once bytes reached the client). */
export function sseErrorEvent(message: string, code: string): Buffer {
  return Buffer.from(`event: error\ndata: ${JSON.stringify({ error: { message, type: 'upstream_error', code } })}\n\n`);
}

/** Reject after `ms` (unref'd); `clear` cancels. */
function deadline(ms: number): { promise: Promise<'timeout'>; clear: () => void } {
  let t: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    t = setTimeout(() => resolve('timeout'), ms);
    t.unref();
  });
  return { promise, clear: () => clearTimeout(t) };
}

/**
 * Hold back a streamed reply until its first token: read upstream chunks (nothing is written
 * to the client yet) until one complete SSE data event that is not an error arrived. An error
 * event, the stream ending or failing first, or `timeoutMs` passing (counted from `startMs`)
 * is a failure the caller may fail over from; the upstream is then cancelled. On success the
 * reply's body replays the held chunks and continues the upstream stream; a failure after that
 * ends the stream with an SSE error event instead of a broken connection.
 */
export async function awaitFirstToken(
  ctx: RequestContext,
  reply: Reply,
  timeoutMs: number | undefined,
  startMs: number,
): Promise<FirstToken> {
  const body = reply.body;
  // Only SSE is read for its first token; other streams (bedrock's AWS event-stream) go as they are.
  const sse = (reply.headers?.['content-type'] ?? '').toString().includes('text/event-stream');
  if (!isIterable(body) || !sse) return { ok: true, reply, ttftMs: Date.now() - startMs };
  const it = body[Symbol.asyncIterator]();
  const decoder = new SseDecoder();
  const held: Uint8Array[] = [];
  const stop = (): void => void it.return?.().catch(() => undefined);
  for (;;) {
    const next = it.next();
    let n: IteratorResult<Uint8Array> | 'timeout';
    try {
      if (timeoutMs === undefined) n = await next;
      else {
        const d = deadline(Math.max(0, startMs + timeoutMs - Date.now()));
        // A read still pending when the timer wins rejects once the upstream is cancelled.
        next.catch(() => undefined);
        n = await Promise.race([next, d.promise]);
        d.clear();
      }
    } catch (err) {
      const e = err instanceof AiProxyError ? err : new AiProxyError('AI_UPSTREAM_CONNECT', (err as Error).message);
      if (e.code === 'AI_CLIENT_ABORTED') return { ok: false, failure: { ok: false, status: 499, error: e }, reason: e.message };
      const status = e.code === 'AI_UPSTREAM_TIMEOUT' ? 504 : 502;
      return { ok: false, failure: sseFailure(status, e.code, e.message), reason: e.message };
    }
    if (n === 'timeout') {
      stop();
      const msg = `no first token within ${timeoutMs} ms`;
      return { ok: false, failure: sseFailure(504, 'AI_UPSTREAM_TIMEOUT', msg), reason: msg };
    }
    if (n.done) {
      const msg = 'stream ended before the first token';
      return { ok: false, failure: sseFailure(502, 'AI_UPSTREAM_CONNECT', msg), reason: msg };
    }
    held.push(n.value);
    for (const ev of decoder.push(n.value)) {
      if (isErrorEvent(ev)) {
        stop();
        const msg = 'error event before the first token';
        return { ok: false, failure: sseFailure(502, 'AI_UPSTREAM_CONNECT', msg, ev.data), reason: `${msg}: ${ev.data}` };
      }
      if (ev.data !== '' || ev.done) {
        const { body: _b, ...head } = reply;
        return { ok: true, reply: { ...head, body: new ContinuedStream(ctx, held, it) }, ttftMs: Date.now() - startMs };
      }
    }
  }
}

/** Write `chunk`, resolving once the client can take more. */
function write(sink: BodySink, chunk: Uint8Array): Promise<void> | undefined {
  if (sink.write(chunk)) return undefined;
  return new Promise((resolve) => sink.onDrain(resolve));
}

/**
 * The client body of a stream that passed its first token: the held chunks, then the rest of
 * the upstream. An upstream failure from here on ends the stream with an SSE error event
 * (preceded by a blank line when it cut an event short); a client that went away just closes.
 */
export class ContinuedStream implements PushBody {
  private tail = '\n\n';

  constructor(
    private readonly ctx: RequestContext,
    private readonly held: Uint8Array[],
    private readonly it: AsyncIterator<Uint8Array>,
  ) {}

  private note(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    const last = Buffer.from(chunk.subarray(Math.max(0, chunk.byteLength - 2))).toString('latin1');
    this.tail = chunk.byteLength >= 2 ? last : (this.tail + last).slice(-2);
  }

  pushTo(sink: BodySink): void {
    void this.pump(sink);
  }

  private async pump(sink: BodySink): Promise<void> {
    try {
      for (const c of this.held) {
        this.note(c);
        await write(sink, c);
      }
      for (;;) {
        const n = await this.it.next();
        if (n.done) break;
        this.note(n.value);
        await write(sink, n.value);
      }
      // A clean end in the middle of a line is a truncated stream all the same (a last event
      // ended by a single newline is left alone: some servers end that way).
      if (!this.tail.endsWith('\n'))
        this.endWithError(sink, 'upstream closed the stream in the middle of an event', 'AI_UPSTREAM_CONNECT');
      else sink.end();
    } catch (err) {
      const e = err instanceof AiProxyError ? err : new AiProxyError('AI_INTERNAL', (err as Error).message);
      if (e.code === 'AI_CLIENT_ABORTED' || this.ctx.signal.aborted) {
        sink.destroy(e);
        return;
      }
      this.endWithError(sink, e.message, e.code);
    }
  }

  /** Close a cut event with a blank line, then one SSE error event, then a clean end. */
  private endWithError(sink: BodySink, message: string, code: string): void {
    this.ctx.logger.warn(`ai stream failed after the first token, ending it with an SSE error event: ${message}`);
    if (!this.tail.endsWith('\n\n')) sink.write(Buffer.from(this.tail.endsWith('\n') ? '\n' : '\n\n'));
    sink.write(sseErrorEvent(message, code));
    sink.end();
  }
}

/**
 * A 200 SSE reply sent before any instance produced a token: `: keep-alive` comments every
 * `intervalMs` (SSE clients ignore comments) until `outcome` settles, then the winning stream,
 * or an SSE error event when every instance failed.
 */
export class KeepAliveStream implements PushBody {
  constructor(
    private readonly outcome: Promise<{ reply?: Reply; failure?: Failure }>,
    private readonly intervalMs: number,
  ) {}

  pushTo(sink: BodySink): void {
    const ping = Buffer.from(': keep-alive\n\n');
    sink.write(ping);
    const timer = setInterval(() => sink.write(ping), this.intervalMs);
    void this.outcome.then(async ({ reply, failure }) => {
      clearInterval(timer);
      if (reply) {
        const b = reply.body;
        if (b !== null && typeof b === 'object' && typeof (b as PushBody).pushTo === 'function' && reply.status < 300) {
          (b as PushBody).pushTo(sink);
          return;
        }
        const text =
          b === undefined ? '' : typeof b === 'string' || b instanceof Uint8Array ? Buffer.from(b).toString() : JSON.stringify(b);
        if (reply.status < 300) sink.write(Buffer.from(`data: ${text}\n\n`));
        else sink.write(sseErrorEvent(text || `upstream status ${reply.status}`, String(reply.status)));
        sink.end();
        return;
      }
      if (failure?.error?.code === 'AI_CLIENT_ABORTED') {
        sink.destroy(failure.error);
        return;
      }
      const text = failure?.body ? failure.body.toString('utf8').trim() : (failure?.error?.message ?? 'all instances failed');
      sink.write(sseErrorEvent(text, failure?.error?.code ?? String(failure?.status ?? 502)));
      sink.end();
    });
  }
}
