import type { AiProtocol, FullUsage, ParsedSseEvent } from './types.js';
import type { JsonObject } from '../types.js';
import { isObject, num, parseJsonObject } from './util.js';

function responsesUsage(u: JsonObject, total: number | undefined): FullUsage {
  const id = isObject(u.input_tokens_details) ? u.input_tokens_details : undefined;
  const od = isObject(u.output_tokens_details) ? u.output_tokens_details : undefined;
  const prompt = num(u.input_tokens) ?? 0;
  const completion = num(u.output_tokens) ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: num(u.total_tokens) ?? total ?? prompt + completion,
    cache_read_input_tokens: num(id?.cached_tokens) ?? 0,
    cache_creation_input_tokens: 0,
    reasoning_tokens: num(od?.reasoning_tokens) ?? 0,
  };
}

function outputItems(body: unknown): unknown[] {
  return isObject(body) && Array.isArray(body.output) ? body.output : [];
}

const hasFunctionCall = (body: unknown): boolean => outputItems(body).some((i) => isObject(i) && i.type === 'function_call');

/** OpenAI Responses API (apisix/plugins/ai-protocols/openai-responses.lua). */
export const openAiResponses: AiProtocol = {
  name: 'openai-responses',
  matches: (body, uri) => uri.endsWith('/v1/responses') && body.input !== undefined,
  isStreaming: (body) => body.stream === true,
  extractUsage(body) {
    if (!isObject(body) || !isObject(body.usage)) return undefined;
    return { usage: responsesUsage(body.usage, undefined), raw: body.usage };
  },
  extractResponseText(body) {
    const texts: string[] = [];
    for (const item of outputItems(body)) {
      if (!isObject(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
      for (const part of item.content) {
        if (isObject(part) && part.type === 'output_text' && typeof part.text === 'string') texts.push(part.text);
      }
    }
    return texts.length > 0 ? texts.join(' ') : undefined;
  },
  hasToolCall: hasFunctionCall,
  parseSseEvent(ev): ParsedSseEvent {
    switch (ev.event) {
      case 'response.output_text.delta': {
        const data = parseJsonObject(ev.data);
        if (!data) return { type: 'skip', warning: 'failed to decode SSE data' };
        return typeof data.delta === 'string' ? { type: 'delta', texts: [data.delta] } : { type: 'skip' };
      }
      case 'response.completed': {
        const data = parseJsonObject(ev.data);
        if (!data) return { type: 'done', warning: 'failed to decode response.completed SSE data' };
        const resp = data.response;
        const result: ParsedSseEvent = { type: 'done' };
        if (isObject(resp)) {
          if (isObject(resp.usage)) {
            result.type = 'usage_and_done';
            result.usage = responsesUsage(resp.usage, 0);
            result.rawUsage = resp.usage;
          }
          if (hasFunctionCall(resp)) result.hasToolCall = true;
        }
        return result;
      }
      case 'response.failed':
      case 'response.incomplete':
      case 'error':
        return { type: 'done' };
      default:
        return { type: 'skip' };
    }
  },
  requestContent: (body) => body.input,
};
