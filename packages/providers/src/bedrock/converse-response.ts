/**
 * Bedrock Converse responses → OpenAI chat completions, and Converse usage → token counts.
 * Pure.
 */
import type { TokenUsage } from '../usage.js';
import type { Converted, JsonObject } from '../types.js';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Converse `usage` {inputTokens, outputTokens, totalTokens} as prompt/completion/total tokens
 * (bedrock-converse.lua extract_usage: missing counts are 0, total defaults to their sum).
 */
export function converseUsage(usage: unknown): TokenUsage | undefined {
  if (!isObject(usage)) return undefined;
  const prompt = num(usage.inputTokens) ?? 0;
  const completion = num(usage.outputTokens) ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: num(usage.totalTokens) ?? prompt + completion };
}

/** OpenAI `finish_reason` for a Converse `stopReason`. */
export function finishReason(stopReason: unknown): string {
  switch (stopReason) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter';
    default:
      return 'stop';
  }
}

function contentBlocks(res: unknown): unknown[] {
  const msg = isObject(res) && isObject(res.output) ? res.output.message : undefined;
  return isObject(msg) && Array.isArray(msg.content) ? msg.content : [];
}

/** Every `output.message.content[].text` (APISIX joins them with " " for llm_response_text). */
export function converseTexts(res: unknown): string[] {
  const out: string[] = [];
  for (const b of contentBlocks(res)) if (isObject(b) && typeof b.text === 'string') out.push(b.text);
  return out;
}

export interface ChatIdentity {
  id: string;
  created: number;
  model: string | undefined;
}

/** Convert a non-stream Converse response body into an OpenAI chat completion. */
export function converseToOpenAiChat(res: unknown, who: ChatIdentity): Converted<JsonObject> {
  if (!isObject(res) || !isObject(res.output) || !isObject(res.output.message)) {
    return { ok: false, error: 'response has no output.message' };
  }
  const texts: string[] = [];
  const toolCalls: JsonObject[] = [];
  for (const b of contentBlocks(res)) {
    if (!isObject(b)) continue;
    if (typeof b.text === 'string') texts.push(b.text);
    else if (isObject(b.toolUse)) {
      const tu = b.toolUse;
      toolCalls.push({
        id: tu.toolUseId,
        type: 'function',
        function: { name: tu.name, arguments: JSON.stringify(tu.input ?? {}) },
      });
    }
  }
  const message: JsonObject = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const out: JsonObject = {
    id: who.id,
    object: 'chat.completion',
    created: who.created,
    model: who.model ?? '',
    choices: [{ index: 0, message, finish_reason: finishReason(res.stopReason) }],
  };
  const usage = converseUsage(res.usage);
  if (usage) out.usage = usage;
  return { ok: true, value: out };
}
