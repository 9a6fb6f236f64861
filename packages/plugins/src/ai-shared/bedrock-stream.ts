import type { BodySink, PushBody, RequestContext } from '@portico/plugin-sdk';
import {
  type ConverseToOpenAiStream,
  deltaText,
  EventStreamDecoder,
  readConverseFrame,
  sseBytes,
  streamUsage,
  type ChatIdentity,
} from '@portico/providers';
import { classifyTransportError } from './errors.js';
import type { LlmExchange } from './exchange.js';
import { FlushWriter } from './flush-writer.js';
import { publishUsage, recordUpstreamTime, type AiRunState } from './keys.js';
import { markToolCalls } from './llm-vars.js';
import type { ResponseLimitsConf } from './response-limits-schema.js';
import { StreamGuard, type StreamLimit } from './stream-guard.js';
import { elapsedMs } from './response.js';
import type { AiProxyError } from './types.js';

/**
 * A ConverseStream (application/vnd.amazon.eventstream) response body. Frames are decoded on
 * the side, across chunk boundaries, for text, usage and time to first token. For a client
 * speaking Converse the upstream bytes go out untouched (APISIX forwards the event-stream);
 * for an OpenAI chat client (`openai` set) each frame becomes chat.completion.chunk SSE events.
 */
export class BedrockStreamBody implements PushBody, AsyncIterable<Uint8Array> {
  private readonly decoder = new EventStreamDecoder();
  private readonly guard: StreamGuard;
  private readonly texts: string[] = [];
  private first = true;
  private used = false;
  private done = false;
  /** Set once the frames stopped decoding (corrupt input); later bytes are not observed. */
  private broken = false;

  constructor(
    private readonly ctx: RequestContext,
    private readonly state: AiRunState,
    private readonly ex: LlmExchange,
    private readonly startNs: bigint,
    private readonly release: () => void,
    private readonly openai: ConverseToOpenAiStream | undefined,
    private readonly limits: ResponseLimitsConf,
  ) {
    this.guard = new StreamGuard(limits, startNs);
  }

  /** Observe one upstream chunk; returns the bytes for the client (empty: nothing to send). */
  private transform(chunk: Buffer): Buffer {
    this.guard.count(chunk);
    const ms = elapsedMs(this.startNs);
    this.state.upstreamMs = ms;
    if (this.first) {
      this.first = false;
      this.state.ttftMs = ms;
      this.ctx.vars.set('llm_time_to_first_token', ms);
    }
    if (this.broken) return this.openai ? EMPTY : chunk;
    const out: string[] = [];
    try {
      for (const frame of this.decoder.push(chunk)) {
        const ev = readConverseFrame(frame);
        const text = deltaText(ev);
        if (ev.kind === 'event' && ev.type === 'contentBlockStart' && isToolStart(ev.data)) markToolCalls(this.ctx, this.state);
        if (text !== undefined) this.texts.push(text);
        const u = streamUsage(ev);
        if (u) {
          publishUsage(this.ctx, this.state, u.usage, u.raw);
          this.state.responseText = this.texts.join('');
        }
        if (ev.kind === 'exception') {
          // The payload may hold prompt fragments: log the type and size only (as APISIX).
          this.ctx.logger.warn(
            { requestId: this.ctx.requestId, type: ev.type, payloadSize: frame.payload.length },
            'Bedrock streaming exception',
          );
        }
        if (this.openai) out.push(...this.openai.convert(ev));
      }
    } catch (err) {
      this.broken = true;
      this.ctx.logger.warn({ requestId: this.ctx.requestId }, `bedrock event-stream decode failed: ${(err as Error).message}`);
      if (this.openai && !this.openai.done) {
        out.push(
          JSON.stringify({ error: { message: 'invalid event stream from bedrock', type: 'invalid_event_stream' } }),
          '[DONE]',
        );
      }
    }
    if (!this.openai) return chunk;
    return out.length > 0 ? sseBytes(out) : EMPTY;
  }

  /** Bytes that close an OpenAI stream the upstream ended without metadata. */
  private tail(): Buffer {
    if (!this.openai || this.broken) return EMPTY;
    const out = this.openai.finish();
    return out.length > 0 ? sseBytes(out) : EMPTY;
  }

  private finish(ok: boolean): void {
    if (this.done) return;
    this.done = true;
    this.guard.stop();
    if (ok && !this.broken && this.decoder.pending > 0) {
      this.ctx.logger.warn(
        { requestId: this.ctx.requestId, size: this.decoder.pending },
        'dropping incomplete stream frame at EOF',
      );
    }
    this.ex.close();
    this.release();
    const st = this.state;
    if (st.upstreamMs !== undefined) recordUpstreamTime(this.ctx, st, st.upstreamMs);
    st.responseText = this.texts.join('');
  }

  /** A cap was crossed: cancel the upstream and end the client's response (as SseBody). */
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
    if (this.used) throw new Error('bedrock stream body consumed twice');
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
      data: (chunk) => {
        if (this.done) return;
        const bytes = this.transform(chunk);
        if (bytes.length > 0) out.write(bytes);
        const limit = this.guard.afterForward();
        if (limit) stop(limit);
      },
      end: () => {
        if (this.done) return;
        const t = this.tail();
        if (t.length > 0) out.write(t);
        this.finish(true);
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
      data: (chunk) => {
        if (this.done) return;
        const out = this.transform(chunk);
        if (out.length > 0) queue.push(out);
        const limit = this.guard.afterForward();
        if (limit) stop(limit);
        wake();
      },
      end: () => {
        if (this.done) return;
        const t = this.tail();
        if (t.length > 0) queue.push(t);
        this.finish(true);
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

const EMPTY = Buffer.alloc(0);

function isToolStart(data: Record<string, unknown>): boolean {
  const start = data.start;
  return typeof start === 'object' && start !== null && 'toolUse' in start;
}

export type { ChatIdentity };
