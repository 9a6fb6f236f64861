import type { JsonObject } from '../types.js';
import type { AiProtocol, FullUsage, ParsedSseEvent } from './types.js';
import { isObject, num, parseJsonObject } from './util.js';

function anthropicUsage(u: JsonObject): FullUsage {
  const prompt = num(u.input_tokens) ?? 0;
  const completion = num(u.output_tokens) ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cache_read_input_tokens: num(u.cache_read_input_tokens) ?? 0,
    cache_creation_input_tokens: num(u.cache_creation_input_tokens) ?? 0,
    reasoning_tokens: 0,
  };
}

function contentBlocks(body: unknown): unknown[] {
  return isObject(body) && Array.isArray(body.content) ? body.content : [];
}

/** Anthropic Messages (apisix/plugins/ai-protocols/anthropic-messages.lua). */
export const anthropicMessages: AiProtocol = {
  name: 'anthropic-messages',
  matches: (_body, uri) => uri.endsWith('/v1/messages'),
  isStreaming: (body) => body.stream === true,
  extractUsage(body) {
    if (!isObject(body) || !isObject(body.usage)) return undefined;
    return { usage: anthropicUsage(body.usage), raw: body.usage };
  },
  extractResponseText(body) {
    const texts: string[] = [];
    for (const b of contentBlocks(body)) {
      if (isObject(b) && b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
    }
    return texts.length > 0 ? texts.join(' ') : undefined;
  },
  hasToolCall: (body) => contentBlocks(body).some((b) => isObject(b) && b.type === 'tool_use'),
  parseSseEvent(ev): ParsedSseEvent {
    switch (ev.event) {
      case 'content_block_delta': {
        const data = parseJsonObject(ev.data);
        if (!data) return { type: 'skip', warning: 'failed to decode SSE data' };
        const d = data.delta;
        if (isObject(d) && d.type === 'text_delta' && typeof d.text === 'string') return { type: 'delta', texts: [d.text] };
        return { type: 'skip' };
      }
      case 'content_block_start': {
        const data = parseJsonObject(ev.data);
        const block = data?.content_block;
        return isObject(block) && block.type === 'tool_use' ? { type: 'skip', hasToolCall: true } : { type: 'skip' };
      }
      case 'message_delta': {
        const data = parseJsonObject(ev.data);
        if (!data) return { type: 'skip', warning: 'failed to decode message_delta' };
        if (!isObject(data.usage)) return { type: 'skip' };
        const u = data.usage;
        const prompt = num(u.input_tokens) ?? 0;
        const completion = num(u.output_tokens) ?? 0;
        return {
          type: 'usage',
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
          rawUsage: u,
        };
      }
      case 'message_stop':
        return { type: 'done' };
      case 'message_start': {
        const msg = parseJsonObject(ev.data)?.message;
        if (!isObject(msg) || !isObject(msg.usage)) return { type: 'skip' };
        return { type: 'usage', usage: anthropicUsage(msg.usage), rawUsage: msg.usage };
      }
      case 'error': {
        const err = parseJsonObject(ev.data)?.error;
        const t = isObject(err) && typeof err.type === 'string' ? err.type : 'unknown';
        const m = isObject(err) && typeof err.message === 'string' ? err.message : 'unknown';
        return { type: 'done', warning: `Anthropic SSE error: type=${t}, message=${m}` };
      }
      default:
        return { type: 'skip' };
    }
  },
  endUserId: (body) => (isObject(body.metadata) && typeof body.metadata.user_id === 'string' ? body.metadata.user_id : undefined),
  requestContent: (body) => body.messages,
};
