import type { BodySink, PushBody, Reply, RequestContext } from '@portico/plugin-sdk';
import { openAiChatUsage, type Capability, type ProviderDescriptor } from '@portico/providers';
import { BodyTooLargeError, type ExchangeHead, type LlmExchange } from './exchange.js';
import { classifyTransportError } from './errors.js';
import { FlushWriter } from './flush-writer.js';
import { publishUsage, recordUpstreamTime, type AiRunState } from './keys.js';
import { decodeWholeBody, StreamProtocolIo } from './protocol-response.js';
import type { ResponseLimitsConf } from './response-limits-schema.js';
import { StreamGuard, type StreamLimit } from './stream-guard.js';
import type { AttemptResult } from './types.js';
import { AiProxyError } from './types.js';
import { isPlainOpenAiChat, scanTrailingUsage } from './usage-scan.js';

/** Milliseconds since `startNs`, as an integer (APISIX math.floor of ngx.now deltas). */
export function elapsedMs(startNs: bigint): number {
  return Number((process.hrtime.bigint() - startNs) / 1_000_000n);
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Only Content-Type is copied from the LLM response (openai-base.lua read_response). */
export function responseHeaders(res: ExchangeHead): Record<string, string> {
  const ct = firstHeader(res.headers['content-type']);
  return ct ? { 'content-type': ct } : {};
}

export function isEventStream(head: ExchangeHead): boolean {
  return (firstHeader(head.headers['content-type']) ?? '').includes('text/event-stream');
}

/**
 * Stream an SSE response: upstream chunks go to the client untouched, bursts coalesced within
 * `streaming_flush_interval_ms` (the first chunk is never held); events are decoded on the side
 * (across chunk boundaries) for usage, response text, tool calls and time to first token. The
 * body is a PushBody (the data plane's fast path, no promise per chunk) that is also
 * AsyncIterable. Stopping the iteration cancels the upstream; an upstream read error is reported
 * as AiProxyError (the client connection is then aborted). `max_stream_duration_ms` and
 * `max_response_bytes` cancel the upstream and end the client's response normally after the
 * chunk that crossed them (APISIX: no terminating `[DONE]` reaches the client).
 */
export function streamReply(
  ctx: RequestContext,
  state: AiRunState,
  ex: LlmExchange,
  head: ExchangeHead,
  startNs: bigint,
  release: () => void,
  limits: ResponseLimitsConf,
): Reply {
  return {
    status: head.statusCode,
    headers: responseHeaders(head),
    body: new SseBody(ctx, state, ex, startNs, release, limits),
  };
}

/** The client-facing SSE body: observes each chunk, then hands it on unchanged. */
class SseBody implements PushBody, AsyncIterable<Uint8Array> {
  /** Protocol-aware observation (usage, text, tool calls) and conversion of the events (protocol-response.ts). */
  private readonly io: StreamProtocolIo;
  private readonly guard: StreamGuard;
  private first = true;
  private used = false;
  private done = false;

  constructor(
    private readonly ctx: RequestContext,
    private readonly state: AiRunState,
    private readonly ex: LlmExchange,
    private readonly startNs: bigint,
    private readonly release: () => void,
    private readonly limits: ResponseLimitsConf,
  ) {
    this.guard = new StreamGuard(limits, startNs);
    this.io = new StreamProtocolIo(ctx, state);
  }

  /** Observe one upstream chunk; returns the bytes for the client (converted when converting). */
  private observe(chunk: Buffer): Buffer | undefined {
    this.guard.count(chunk);
    // Only a number per chunk; the vars are published once when the stream ends.
    const ms = elapsedMs(this.startNs);
    this.state.upstreamMs = ms;
    if (this.first) {
      this.first = false;
      this.state.ttftMs = ms;
      this.ctx.vars.set('llm_time_to_first_token', ms);
    }
    return this.io.push(chunk);
  }

  /** Ends the stream; returns converted tail bytes still to write (ok endings only). */
  private finish(ok: boolean): Buffer | undefined {
    if (this.done) return undefined;
    this.done = true;
    this.guard.stop();
    const tail = ok ? this.io.end() : undefined;
    this.ex.close();
    this.release();
    const st = this.state;
    if (st.upstreamMs !== undefined) recordUpstreamTime(this.ctx, st, st.upstreamMs);
    st.responseText = this.io.texts.join('');
    return tail;
  }

  /** A cap was crossed: cancel the upstream (its error is ignored: `done` is set first). */
  private stopAtLimit(limit: StreamLimit): void {
    if (this.done) return;
    this.state.upstreamMs = elapsedMs(this.startNs);
    this.ctx.logger.warn(
      { requestId: this.ctx.requestId, bytes: this.guard.bytesRead, durationMs: this.state.upstreamMs },
      `aborting AI stream: ${limit} exceeded; bytes=${this.guard.bytesRead} duration_ms=${this.state.upstreamMs} ` +
        `route_id=${this.ctx.vars.get('route_id') ?? ''}`,
    );
    this.finish(false);
  }

  private fail(err: Error): AiProxyError {
    const { error } = classifyTransportError(err, this.ex.clientGone || this.ctx.signal.aborted, this.ex.timedOut);
    if (this.done) return error;
    this.ctx.logger.warn({ requestId: this.ctx.requestId, code: error.code }, `failed to read response chunk: ${error.message}`);
    this.finish(false);
    return error;
  }

  private claim(): void {
    if (this.used) throw new Error('SSE reply body consumed twice');
    this.used = true;
  }

  pushTo(sink: BodySink): void {
    this.claim();
    const ex = this.ex;
    let paused = false;
    const onDrain = (): void => {
      paused = false;
      ex.resume();
    };
    const out = new FlushWriter(sink, this.limits.streaming_flush_interval_ms ?? 10, () => {
      if (paused) return;
      paused = true;
      ex.pause();
      sink.onDrain(onDrain);
    });
    const stop = (limit: StreamLimit): void => {
      this.stopAtLimit(limit);
      out.end();
    };
    this.guard.start(stop);
    ex.pipe({
      data: (upstream) => {
        if (this.done) return;
        const chunk = this.observe(upstream);
        if (chunk !== undefined) out.write(chunk);
        const limit = this.guard.afterForward();
        if (limit) stop(limit);
      },
      end: () => {
        if (this.done) return;
        const tail = this.finish(true);
        if (tail) out.write(tail);
        out.end();
      },
      error: (err) => {
        if (this.done) return;
        out.destroy(this.fail(err));
      },
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.claim();
    const queue: Buffer[] = [];
    let ended = false;
    let failure: AiProxyError | undefined;
    let waiter: (() => void) | undefined;
    const wake = (): void => {
      const w = waiter;
      waiter = undefined;
      w?.();
    };
    const stop = (limit: StreamLimit): void => {
      this.stopAtLimit(limit);
      ended = true;
      wake();
    };
    this.guard.start(stop);
    this.ex.pipe({
      data: (upstream) => {
        if (this.done) return;
        const chunk = this.observe(upstream);
        if (chunk !== undefined) queue.push(chunk);
        const limit = this.guard.afterForward();
        if (limit) stop(limit);
        wake();
      },
      end: () => {
        if (this.done) return;
        const tail = this.finish(true);
        if (tail) queue.push(tail);
        ended = true;
        wake();
      },
      error: (err) => {
        if (this.done) return;
        failure = this.fail(err);
        wake();
      },
    });
    let stopped = false;
    const next = async (): Promise<IteratorResult<Uint8Array>> => {
      for (;;) {
        if (queue.length > 0) return { value: queue.shift()!, done: false };
        if (failure) throw failure;
        if (ended || stopped) return { value: undefined, done: true };
        await new Promise<void>((r) => (waiter = r));
      }
    };
    return {
      next,
      return: async () => {
        if (!stopped && !ended && !failure) {
          stopped = true;
          this.finish(false);
        }
        return { value: undefined, done: true };
      },
    };
  }
}

/** The 502 APISIX answers when a non-stream body passes max_response_bytes (plain string body). */
function tooLarge(res: ExchangeHead): AttemptResult {
  return {
    ok: false,
    status: 502,
    body: Buffer.from('max_response_bytes exceeded'),
    headers: responseHeaders(res),
    error: new AiProxyError('AI_RESPONSE_LIMIT', 'max_response_bytes exceeded'),
  };
}

/**
 * Read a non-stream response whole, extract usage and text, and forward the raw bytes
 * (re-encoded only when the provider converts the body, i.e. vertex-ai embeddings).
 */
export async function bufferedReply(
  ctx: RequestContext,
  state: AiRunState,
  ex: LlmExchange,
  res: ExchangeHead,
  startNs: bigint,
  descriptor: ProviderDescriptor,
  capability: Capability,
  limits: ResponseLimitsConf,
): Promise<AttemptResult> {
  const maxBytes = limits.max_response_bytes;
  if (maxBytes !== undefined) {
    const cl = Number(firstHeader(res.headers['content-length']));
    if (cl > maxBytes) {
      ctx.logger.warn(
        { requestId: ctx.requestId },
        `aborting AI response: Content-Length ${cl} exceeds max_response_bytes ${maxBytes}`,
      );
      ex.close();
      recordUpstreamTime(ctx, state, elapsedMs(startNs));
      return tooLarge(res);
    }
  }
  let raw: Buffer;
  try {
    raw = await ex.collect(maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      ctx.logger.warn(
        { requestId: ctx.requestId },
        `aborting AI response: body size exceeds max_response_bytes ${maxBytes} (read ${err.bytes} bytes)`,
      );
      recordUpstreamTime(ctx, state, elapsedMs(startNs));
      return tooLarge(res);
    }
    const c = classifyTransportError(err, ex.clientGone || ctx.signal.aborted, ex.timedOut);
    ctx.logger.warn({ requestId: ctx.requestId, code: c.error.code }, `failed to read response body: ${c.error.message}`);
    return { ok: false, status: c.status, error: c.error };
  }
  const ms = elapsedMs(startNs);
  state.ttftMs = ms;
  ctx.vars.set('llm_time_to_first_token', ms);
  recordUpstreamTime(ctx, state, ms);
  // Fast path (usage-scan.ts): an unconverted answer without tool calls that ends with its usage
  // object is not parsed whole.
  // Only for an OpenAI chat client served without conversion: other protocols and converters
  // read usage and text in their own shapes (protocol-response.ts).
  const plain = descriptor.decodeResponse === undefined && isPlainOpenAiChat(state);
  const tailUsage = plain ? scanTrailingUsage(raw) : undefined;
  const tailRecord = tailUsage === undefined ? undefined : openAiChatUsage(tailUsage);
  if (tailRecord !== undefined) {
    publishUsage(ctx, state, tailRecord, tailUsage);
    state.responseRaw = raw;
    return { ok: true, reply: { status: res.statusCode, headers: responseHeaders(res), body: raw } };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    ctx.logger.warn({ requestId: ctx.requestId }, 'invalid response body from ai service, token usage not available');
    return { ok: true, reply: { status: res.statusCode, headers: responseHeaders(res), body: raw } };
  }
  const decoded = decodeWholeBody(ctx, state, parsed, descriptor, capability);
  if (!decoded.ok) {
    return {
      ok: false,
      status: decoded.status,
      body: Buffer.from(decoded.message),
      error: new AiProxyError('AI_RESPONSE_CONVERSION', decoded.message),
    };
  }
  const out = decoded.out ?? raw;
  return { ok: true, reply: { status: res.statusCode, headers: responseHeaders(res), body: out } };
}
