import type { Converted, JsonObject } from '../../types.js';
import type { ParsedSseEvent } from '../types.js';
import { isObject, num } from '../util.js';

// OpenAI Chat Completions response → Anthropic Messages response, whole and streamed
// (apisix/plugins/ai-protocols/converters/anthropic-messages-to-openai-chat.lua).

const STOP_REASONS: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  content_filter: 'end_turn',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
};

const stopReason = (finish: unknown): string => (typeof finish === 'string' && STOP_REASONS[finish]) || 'end_turn';

/** Anthropic usage from OpenAI usage: cached prompt tokens are reported apart from input_tokens. */
function anthropicUsage(u: JsonObject, withCreation: boolean): JsonObject {
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : undefined;
  const prompt = num(u.prompt_tokens) ?? 0;
  const cached = details ? (num(details.cached_tokens) ?? 0) : 0;
  const out: JsonObject = { input_tokens: Math.max(0, prompt - cached), output_tokens: num(u.completion_tokens) ?? 0 };
  if (cached > 0) out.cache_read_input_tokens = cached;
  const creation = details ? num(details.cache_creation_input_tokens) : undefined;
  if (withCreation && creation !== undefined) out.cache_creation_input_tokens = creation;
  return out;
}

function parseArguments(args: unknown): JsonObject {
  if (typeof args !== 'string') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

/**
 * Convert a whole chat completion. `model` is the gateway's model (options.model or the
 * client's), used before the upstream's. An upstream `error` object becomes an Anthropic
 * error body; a body without choices fails with `no choices in response`.
 */
export function openAiToAnthropicResponse(
  res: unknown,
  model: string | undefined,
  toolNames: ReadonlyMap<string, string>,
): Converted<JsonObject> {
  if (!isObject(res)) return { ok: false, error: 'response body must be a table' };
  if (res.error !== undefined && res.error !== null && res.error !== false) {
    const e = res.error;
    let type: unknown = 'api_error';
    if (isObject(e)) type = e.type ?? e.code ?? 'api_error';
    const message = isObject(e) && typeof e.message === 'string' ? e.message : typeof e === 'string' ? e : '';
    return { ok: true, value: { type: 'error', error: { type, message } } };
  }
  const choice = Array.isArray(res.choices) ? res.choices[0] : undefined;
  if (!isObject(choice)) return { ok: false, error: 'no choices in response' };
  const msg = isObject(choice.message) ? choice.message : undefined;
  const content: JsonObject[] = [];
  const reasoning = msg?.reasoning_content ?? msg?.reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  if (typeof msg?.content === 'string' && msg.content !== '') content.push({ type: 'text', text: msg.content });
  if (Array.isArray(msg?.tool_calls)) {
    for (const tc of msg.tool_calls) {
      if (!isObject(tc)) continue;
      const fn = isObject(tc.function) ? tc.function : undefined;
      const name = typeof fn?.name === 'string' ? fn.name : '';
      content.push({
        type: 'tool_use',
        id: tc.id ?? '',
        name: toolNames.get(name) ?? name,
        input: parseArguments(fn?.arguments),
      });
    }
  }
  if (content.length === 0) content.push({ type: 'text', text: '' });
  return {
    ok: true,
    value: {
      id: res.id,
      type: 'message',
      role: 'assistant',
      model: model ?? res.model,
      content,
      stop_reason: stopReason(choice.finish_reason),
      usage: isObject(res.usage) ? anthropicUsage(res.usage, true) : { input_tokens: 0, output_tokens: 0 },
    },
  };
}

/** One SSE event to write: `event: <type>` and its JSON data. */
export interface OutEvent {
  type: string;
  data: JsonObject;
}

/**
 * Streaming state machine: OpenAI chunks in, Anthropic events out (message_start, then
 * content_block_start/delta/stop per text, thinking or tool_use block, then message_delta
 * with stop_reason and usage, message_stop). The final message_delta waits for the usage
 * chunk that OpenAI sends after the finish_reason chunk (stream_options.include_usage).
 */
export class AnthropicStreamConverter {
  private first = true;
  private finished = false;
  private pending: JsonObject | undefined;
  private nextIndex = 0;
  private openBlock: number | undefined;
  private blockType: string | undefined;
  private readonly toolIndex = new Map<unknown, number>();

  constructor(private readonly toolNames: ReadonlyMap<string, string>) {}

  /** Did the converter emit anything yet (APISIX answers 502 when a stream produced nothing)? */
  get started(): boolean {
    return !this.first;
  }

  /** Events for one parsed upstream event (openai-chat `parseSseEvent` result). */
  push(parsed: ParsedSseEvent): OutEvent[] {
    if (parsed.type === 'skip') return [];
    if (parsed.type === 'done') return this.done();
    return parsed.data ? this.chunk(parsed.data) : [];
  }

  private done(): OutEvent[] {
    if (this.pending) return this.chunk({ choices: [] });
    if (this.finished || this.first) return [];
    const out: OutEvent[] = [];
    this.closeBlock(out);
    out.push({
      type: 'message_delta',
      data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 0, output_tokens: 0 } },
    });
    out.push({ type: 'message_stop', data: { type: 'message_stop' } });
    this.finished = true;
    return out;
  }

  private closeBlock(out: OutEvent[]): void {
    if (this.openBlock === undefined) return;
    out.push({ type: 'content_block_stop', data: { type: 'content_block_stop', index: this.openBlock } });
    this.openBlock = undefined;
    this.blockType = undefined;
  }

  private openNew(out: OutEvent[], type: string, block: JsonObject): number {
    this.closeBlock(out);
    const idx = this.nextIndex++;
    this.openBlock = idx;
    this.blockType = type;
    out.push({ type: 'content_block_start', data: { type: 'content_block_start', index: idx, content_block: block } });
    return idx;
  }

  private delta(out: OutEvent[], index: number, delta: JsonObject): void {
    out.push({ type: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
  }

  private chunk(c: JsonObject): OutEvent[] {
    const out: OutEvent[] = [];
    if (this.finished) {
      const md = this.pending;
      if (!md) return out;
      if (isObject(c.usage) && md.usage === undefined) md.usage = anthropicUsage(c.usage, true);
      out.push({ type: 'message_delta', data: md });
      out.push({ type: 'message_stop', data: { type: 'message_stop' } });
      this.pending = undefined;
      return out;
    }
    if (this.first) {
      this.first = false;
      out.push({
        type: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: c.id,
            type: 'message',
            role: 'assistant',
            model: c.model,
            content: [],
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        },
      });
    }
    const choice = Array.isArray(c.choices) && isObject(c.choices[0]) ? c.choices[0] : undefined;
    const fr = typeof choice?.finish_reason === 'string' ? choice.finish_reason.trim() : '';
    const finish = fr !== '' && fr !== 'null' ? fr : undefined;
    const d = isObject(choice?.delta) ? choice.delta : undefined;
    if (d) {
      const reasoning = d.reasoning_content ?? d.reasoning;
      if (typeof reasoning === 'string' && reasoning !== '') {
        if (this.blockType !== 'thinking') this.openNew(out, 'thinking', { type: 'thinking', thinking: '' });
        this.delta(out, this.openBlock!, { type: 'thinking_delta', thinking: reasoning });
      }
      if (typeof d.content === 'string' && d.content !== '') {
        if (this.blockType !== 'text') this.openNew(out, 'text', { type: 'text', text: '' });
        this.delta(out, this.openBlock!, { type: 'text_delta', text: d.content });
      }
      if (Array.isArray(d.tool_calls)) this.toolCalls(out, d.tool_calls);
    }
    if (finish !== undefined) {
      this.closeBlock(out);
      const md: JsonObject = { type: 'message_delta', delta: { stop_reason: stopReason(finish) } };
      if (isObject(c.usage)) md.usage = anthropicUsage(c.usage, false);
      this.pending = md;
      this.finished = true;
    }
    return out;
  }

  private toolCalls(out: OutEvent[], calls: unknown[]): void {
    for (const tc of calls) {
      if (!isObject(tc) || tc.index === undefined || tc.index === null) continue;
      const fn = isObject(tc.function) ? tc.function : undefined;
      let idx = this.toolIndex.get(tc.index);
      if (idx === undefined) {
        const raw = typeof fn?.name === 'string' ? fn.name : '';
        idx = this.openNew(out, 'tool_use', {
          type: 'tool_use',
          id: tc.id ?? '',
          name: this.toolNames.get(raw) ?? raw,
          input: {},
        });
        this.toolIndex.set(tc.index, idx);
      }
      if (typeof fn?.arguments === 'string' && fn.arguments !== '') {
        this.delta(out, idx, { type: 'input_json_delta', partial_json: fn.arguments });
      }
    }
  }
}

/** SSE wire form of one event (ai-transport/sse.lua encode): `event:` line, `data:` lines, blank line. */
export function encodeSseEvent(ev: OutEvent): string {
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev.data)}\n\n`;
}
