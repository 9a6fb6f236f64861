import type { RequestContext } from '@portico/plugin-sdk';
import {
  AnthropicStreamConverter,
  encodeSseEvent,
  getProtocol,
  isAnthropicToOpenAiChat,
  openAiToAnthropicResponse,
  SseDecoder,
  type AiProtocol,
  type Capability,
  type FullUsage,
  type ParsedSseEvent,
  type ProviderDescriptor,
} from '@portico/providers';
import { publishUsage, type AiRunState } from './keys.js';
import { markToolCalls, publishNoUsage } from './llm-vars.js';

// Response side of the protocol layer: stream observation and conversion, and whole-body
// usage/text extraction per protocol. response.ts calls in through these two entry points.

const ZERO: FullUsage = Object.freeze({
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  reasoning_tokens: 0,
});

function fallbackProtocol(): AiProtocol {
  return getProtocol('openai-chat')!;
}

/**
 * One SSE response: decodes upstream events across chunk boundaries with the target
 * protocol, accumulates usage (APISIX merge_usage: later non-zero counts win, total is at
 * least prompt + completion, so Anthropic's split message_start/message_delta counts add up)
 * and response text, and, for converted requests, turns the events into the client
 * protocol's events.
 */
export class StreamProtocolIo {
  private readonly decoder = new SseDecoder();
  private readonly target: AiProtocol;
  private readonly converter: AnthropicStreamConverter | undefined;
  private usage: FullUsage | undefined;
  private raw: Record<string, unknown> | undefined;
  readonly texts: string[] = [];

  constructor(
    private readonly ctx: RequestContext,
    private readonly state: AiRunState,
  ) {
    this.target = state.plan?.target ?? fallbackProtocol();
    this.converter = isAnthropicToOpenAiChat(state.plan?.converter)
      ? new AnthropicStreamConverter(state.toolNames ?? new Map())
      : undefined;
  }

  /** True when the client gets converted events instead of the upstream bytes. */
  get converting(): boolean {
    return this.converter !== undefined;
  }

  /** True once the converter wrote something (a converted stream that produced nothing is a 502 in APISIX). */
  get producedOutput(): boolean {
    return this.converter?.started ?? true;
  }

  /** Observe one upstream chunk; returns what the client gets (the chunk itself unless converting). */
  push(chunk: Buffer): Buffer | undefined {
    const out = this.handle(this.decoder.push(chunk));
    return this.converter ? out : chunk;
  }

  /** End of the upstream body: flush the decoder; converted tail bytes, if any. */
  end(): Buffer | undefined {
    return this.handle(this.decoder.end());
  }

  private handle(events: ReturnType<SseDecoder['push']>): Buffer | undefined {
    let out = '';
    for (const ev of events) {
      const parsed = this.target.parseSseEvent(ev);
      if (parsed.warning) this.ctx.logger.warn({ requestId: this.ctx.requestId }, parsed.warning);
      if (parsed.texts) this.texts.push(...parsed.texts);
      if (parsed.hasToolCall) markToolCalls(this.ctx, this.state);
      if (parsed.usage) this.mergeUsage(parsed);
      if (this.converter) for (const e of this.converter.push(parsed)) out += encodeSseEvent(e);
    }
    return out === '' ? undefined : Buffer.from(out);
  }

  private mergeUsage(parsed: ParsedSseEvent): void {
    const incoming = parsed.usage!;
    let u: FullUsage;
    if (!this.usage) u = { ...ZERO, ...incoming };
    else {
      u = { ...this.usage };
      for (const [k, v] of Object.entries(incoming) as [keyof FullUsage, number][]) if (v > 0) u[k] = v;
      u.total_tokens = Math.max(u.total_tokens, u.prompt_tokens + u.completion_tokens);
    }
    this.usage = u;
    const raw = parsed.rawUsage ?? (incoming as Record<string, unknown>);
    if (!this.raw) this.raw = { ...raw };
    else for (const [k, v] of Object.entries(raw)) if (typeof v === 'number' && v > 0) this.raw[k] = v;
    publishUsage(this.ctx, this.state, u, this.raw);
  }
}

/** Outcome of reading a whole response through the protocol layer. */
export type DecodedBody = { ok: true; out: Buffer | undefined } | { ok: false; status: number; message: string };

/**
 * A whole (non-stream) JSON response: provider conversion (vertex-ai embeddings), then the
 * protocol converter (OpenAI chat → Anthropic Messages), then usage and text read in the
 * client's protocol. `out` is set when the body was re-encoded.
 */
export function decodeWholeBody(
  ctx: RequestContext,
  state: AiRunState,
  parsed: unknown,
  descriptor: ProviderDescriptor,
  capability: Capability,
): DecodedBody {
  let body = parsed;
  let out: Buffer | undefined;
  const converted = descriptor.decodeResponse?.(body, capability, state.model);
  if (converted && !converted.ok) {
    return { ok: false, status: 500, message: `failed to convert to openai embeddings response: ${converted.error}` };
  }
  if (converted?.ok) body = converted.value;
  if (isAnthropicToOpenAiChat(state.plan?.converter)) {
    const c = openAiToAnthropicResponse(body, state.model, state.toolNames ?? new Map());
    if (!c.ok) {
      ctx.logger.error({ requestId: ctx.requestId }, `failed to convert response: ${c.error}`);
      return { ok: false, status: 500, message: c.error };
    }
    body = c.value;
  }
  if (body !== parsed) out = Buffer.from(JSON.stringify(body));
  const client = state.plan?.client ?? fallbackProtocol();
  const usage = client.extractUsage(body);
  if (usage) publishUsage(ctx, state, { ...ZERO, ...usage.usage }, usage.raw);
  else publishNoUsage(ctx, state);
  if (client.hasToolCall(body)) markToolCalls(ctx, state);
  const text = client.extractResponseText(body);
  if (text !== undefined) state.responseText = text;
  return { ok: true, out };
}
