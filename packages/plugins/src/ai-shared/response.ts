import type { BodySink, PushBody, Reply, RequestContext } from '@portico/plugin-sdk';
import {
  deltaTexts,
  messageTexts,
  normaliseUsage,
  rawUsageOf,
  SseDecoder,
  type Capability,
  type ProviderDescriptor,
  type SseEvent,
} from '@portico/providers';
import type { ExchangeHead, LlmExchange } from './exchange.js';
import { classifyTransportError } from './errors.js';
import { publishUsage, recordUpstreamTime, type AiRunState } from './keys.js';
import type { AttemptResult } from './types.js';
import { AiProxyError } from './types.js';

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

function observeEvent(ctx: RequestContext, state: AiRunState, ev: SseEvent, texts: string[]): void {
  if (ev.done || ev.data === '') return;
  let data: unknown;
  try {
    data = JSON.parse(ev.data);
  } catch {
    ctx.logger.warn({ requestId: ctx.requestId }, 'failed to decode SSE data');
    return;
  }
  texts.push(...deltaTexts(data));
  const raw = rawUsageOf(data);
  const usage = normaliseUsage(raw);
  if (usage) {
    publishUsage(ctx, state, usage, raw);
    state.responseText = texts.join('');
  }
}

/**
 * Stream an SSE response: every upstream chunk goes to the client as soon as it arrives,
 * untouched; events are decoded on the side (across chunk boundaries) for usage, response
 * text and time to first token. The body is a PushBody (the data plane's fast path, no
 * promise per chunk) that is also AsyncIterable. Stopping the iteration cancels the upstream;
 * an upstream read error is reported as AiProxyError (the client connection is then aborted).
 */
export function streamReply(
  ctx: RequestContext,
  state: AiRunState,
  ex: LlmExchange,
  head: ExchangeHead,
  startNs: bigint,
  release: () => void,
): Reply {
  return { status: head.statusCode, headers: responseHeaders(head), body: new SseBody(ctx, state, ex, startNs, release) };
}

/** The client-facing SSE body: observes each chunk, then hands it on unchanged. */
class SseBody implements PushBody, AsyncIterable<Uint8Array> {
  private readonly decoder = new SseDecoder();
  private readonly texts: string[] = [];
  private first = true;
  private used = false;
  private done = false;

  constructor(
    private readonly ctx: RequestContext,
    private readonly state: AiRunState,
    private readonly ex: LlmExchange,
    private readonly startNs: bigint,
    private readonly release: () => void,
  ) {}

  private observe(chunk: Buffer): void {
    // Only a number per chunk; the vars are published once when the stream ends.
    const ms = elapsedMs(this.startNs);
    this.state.upstreamMs = ms;
    if (this.first) {
      this.first = false;
      this.state.ttftMs = ms;
      this.ctx.vars.set('llm_time_to_first_token', ms);
    }
    for (const ev of this.decoder.push(chunk)) observeEvent(this.ctx, this.state, ev, this.texts);
  }

  private finish(ok: boolean): void {
    if (this.done) return;
    this.done = true;
    if (ok) for (const ev of this.decoder.end()) observeEvent(this.ctx, this.state, ev, this.texts);
    this.ex.close();
    this.release();
    const st = this.state;
    if (st.upstreamMs !== undefined) recordUpstreamTime(this.ctx, st, st.upstreamMs);
    st.responseText = this.texts.join('');
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
    ex.pipe({
      data: (chunk) => {
        this.observe(chunk);
        if (!sink.write(chunk) && !paused) {
          paused = true;
          ex.pause();
          sink.onDrain(onDrain);
        }
      },
      end: () => {
        this.finish(true);
        sink.end();
      },
      error: (err) => sink.destroy(this.fail(err)),
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
    this.ex.pipe({
      data: (chunk) => {
        this.observe(chunk);
        queue.push(chunk);
        wake();
      },
      end: () => {
        this.finish(true);
        ended = true;
        wake();
      },
      error: (err) => {
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
): Promise<AttemptResult> {
  let raw: Buffer;
  try {
    raw = await ex.collect();
  } catch (err) {
    const c = classifyTransportError(err, ex.clientGone || ctx.signal.aborted, ex.timedOut);
    ctx.logger.warn({ requestId: ctx.requestId, code: c.error.code }, `failed to read response body: ${c.error.message}`);
    return { ok: false, status: c.status, error: c.error };
  }
  const ms = elapsedMs(startNs);
  state.ttftMs = ms;
  ctx.vars.set('llm_time_to_first_token', ms);
  recordUpstreamTime(ctx, state, ms);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    ctx.logger.warn({ requestId: ctx.requestId }, 'invalid response body from ai service, token usage not available');
    return { ok: true, reply: { status: res.statusCode, headers: responseHeaders(res), body: raw } };
  }
  let out = raw;
  const converted = descriptor.decodeResponse?.(parsed, capability, state.model);
  if (converted && !converted.ok) {
    const msg = `failed to convert to openai embeddings response: ${converted.error}`;
    return { ok: false, status: 500, body: Buffer.from(msg), error: new AiProxyError('AI_RESPONSE_CONVERSION', msg) };
  }
  if (converted?.ok) {
    parsed = converted.value;
    out = Buffer.from(JSON.stringify(parsed));
  }
  const rawUsage = rawUsageOf(parsed);
  const usage = normaliseUsage(rawUsage);
  if (usage) publishUsage(ctx, state, usage, rawUsage);
  else {
    state.promptTokens = 0;
    state.completionTokens = 0;
    ctx.vars.set('llm_prompt_tokens', 0);
    ctx.vars.set('llm_completion_tokens', 0);
  }
  const texts = messageTexts(parsed);
  if (texts.length > 0) state.responseText = texts.join(' ');
  return { ok: true, reply: { status: res.statusCode, headers: responseHeaders(res), body: out } };
}
