import type { JsonObject } from '../types.js';
import type { AiProtocol, FullUsage, ParsedSseEvent } from './types.js';
import { isObject, num, parseJsonObject } from './util.js';

/** OpenAI usage → APISIX counts; `total` is what to use when total_tokens is absent. */
export function openAiChatUsage(u: JsonObject, total: number | undefined): FullUsage {
  const pd = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : undefined;
  const cd = isObject(u.completion_tokens_details) ? u.completion_tokens_details : undefined;
  const prompt = num(u.prompt_tokens) ?? 0;
  const completion = num(u.completion_tokens) ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: num(u.total_tokens) ?? total ?? prompt + completion,
    // OpenAI: prompt_tokens_details.cached_tokens; DeepSeek: prompt_cache_hit_tokens.
    cache_read_input_tokens: num(pd?.cached_tokens) ?? num(u.prompt_cache_hit_tokens) ?? 0,
    cache_creation_input_tokens: num(pd?.cache_creation_input_tokens) ?? 0,
    reasoning_tokens: num(cd?.reasoning_tokens) ?? 0,
  };
}

function choices(body: unknown): unknown[] {
  return isObject(body) && Array.isArray(body.choices) ? body.choices : [];
}

/** OpenAI Chat Completions (apisix/plugins/ai-protocols/openai-chat.lua). */
export const openAiChat: AiProtocol = {
  name: 'openai-chat',
  matches: (body) => Array.isArray(body.messages) || isObject(body.messages),
  isStreaming: (body) => body.stream === true,
  prepareOutgoing(body) {
    if (!body.stream) return false;
    body.stream_options = { include_usage: true };
    return true;
  },
  extractUsage(body) {
    if (!isObject(body) || !isObject(body.usage)) return undefined;
    return { usage: openAiChatUsage(body.usage, undefined), raw: body.usage };
  },
  extractResponseText(body) {
    const cs = choices(body);
    if (cs.length === 0) return undefined;
    const out: string[] = [];
    for (const c of cs) {
      const content = isObject(c) && isObject(c.message) ? c.message.content : undefined;
      if (typeof content === 'string') out.push(content);
    }
    return out.join(' ');
  },
  hasToolCall(body) {
    return choices(body).some(
      (c) => isObject(c) && isObject(c.message) && Array.isArray(c.message.tool_calls) && c.message.tool_calls.length > 0,
    );
  },
  parseSseEvent(ev): ParsedSseEvent {
    if (ev.event !== 'message' || /^\s*$/.test(ev.data)) return { type: 'skip' };
    if (ev.data === '[DONE]') return { type: 'done' };
    const data = parseJsonObject(ev.data);
    if (!data) return { type: 'skip', warning: 'failed to decode SSE data' };
    const result: ParsedSseEvent = { type: 'delta', data };
    const texts: string[] = [];
    for (const c of choices(data)) {
      if (!isObject(c) || !isObject(c.delta)) continue;
      if (typeof c.delta.content === 'string') texts.push(c.delta.content);
      if (Array.isArray(c.delta.tool_calls) && c.delta.tool_calls.length > 0) result.hasToolCall = true;
    }
    if (texts.length > 0) result.texts = texts;
    if (isObject(data.usage)) {
      result.type = 'usage';
      result.usage = openAiChatUsage(data.usage, 0);
      result.rawUsage = data.usage;
    }
    return result;
  },
  requestContent: (body) => body.messages,
};
