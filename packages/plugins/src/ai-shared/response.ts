import type { Reply, RequestContext } from '@portico/plugin-sdk';
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
import type { Dispatcher } from 'undici';
import type { Deadline } from './deadline.js';
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
export function responseHeaders(res: Dispatcher.ResponseData): Record<string, string> {
  const ct = firstHeader(res.headers['content-type']);
  return ct ? { 'content-type': ct } : {};
}

/** Read a whole body, re-arming the idle deadline on every chunk. */
export async function readAll(res: Dispatcher.ResponseData, deadline: Deadline): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    deadline.arm();
    parts.push(chunk);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

export function isEventStream(res: Dispatcher.ResponseData): boolean {
  return (firstHeader(res.headers['content-type']) ?? '').includes('text/event-stream');
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
 * Stream an SSE response: every upstream chunk is yielded as soon as it arrives, untouched;
 * events are decoded on the side (across chunk boundaries) for usage, response text and
 * time to first token. Stopping the iteration destroys the upstream body; an upstream read
 * error is thrown as AiProxyError (the client connection must then be aborted).
 */
export function streamReply(
  ctx: RequestContext,
  state: AiRunState,
  res: Dispatcher.ResponseData,
  startNs: bigint,
  deadline: Deadline,
): Reply {
  const body = res.body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const decoder = new SseDecoder();
    const texts: string[] = [];
    let first = true;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        deadline.arm();
        // Only a number per chunk; the vars are published once when the stream ends.
        const ms = elapsedMs(startNs);
        state.upstreamMs = ms;
        if (first) {
          first = false;
          state.ttftMs = ms;
          ctx.vars.set('llm_time_to_first_token', ms);
        }
        for (const ev of decoder.push(chunk)) observeEvent(ctx, state, ev, texts);
        yield chunk;
      }
      for (const ev of decoder.end()) observeEvent(ctx, state, ev, texts);
    } catch (err) {
      const { error } = classifyTransportError(err, ctx.signal.aborted, deadline.timedOut);
      ctx.logger.warn({ requestId: ctx.requestId, code: error.code }, `failed to read response chunk: ${error.message}`);
      throw error;
    } finally {
      deadline.clear();
      if (state.upstreamMs !== undefined) recordUpstreamTime(ctx, state, state.upstreamMs);
      state.responseText = texts.join('');
      if (!body.destroyed) body.destroy();
    }
  }
  return { status: res.statusCode, headers: responseHeaders(res), body: chunks() };
}

/**
 * Read a non-stream response whole, extract usage and text, and forward the raw bytes
 * (re-encoded only when the provider converts the body, i.e. vertex-ai embeddings).
 */
export async function bufferedReply(
  ctx: RequestContext,
  state: AiRunState,
  res: Dispatcher.ResponseData,
  startNs: bigint,
  deadline: Deadline,
  descriptor: ProviderDescriptor,
  capability: Capability,
): Promise<AttemptResult> {
  let raw: Buffer;
  try {
    raw = await readAll(res, deadline);
  } catch (err) {
    const c = classifyTransportError(err, ctx.signal.aborted, deadline.timedOut);
    ctx.logger.warn({ requestId: ctx.requestId, code: c.error.code }, `failed to read response body: ${c.error.message}`);
    return { ok: false, status: c.status, error: c.error };
  } finally {
    deadline.clear();
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
