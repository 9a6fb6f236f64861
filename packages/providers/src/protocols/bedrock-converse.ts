import type { AiProtocol } from './types.js';
import { isObject, num } from './util.js';

function messageContent(body: unknown): unknown[] {
  if (!isObject(body) || !isObject(body.output) || !isObject(body.output.message)) return [];
  const c = body.output.message.content;
  return Array.isArray(c) ? c : [];
}

/**
 * Bedrock Converse as a client protocol (apisix/plugins/ai-protocols/bedrock-converse.lua):
 * detected first (URI ends with `/converse` and the body has `messages`); whole-response usage
 * and text. Streams use AWS event-stream framing, read by the bedrock provider, so SSE parsing
 * skips everything here.
 */
export const bedrockConverse: AiProtocol = {
  name: 'bedrock-converse',
  matches: (body, uri) => uri.endsWith('/converse') && (Array.isArray(body.messages) || isObject(body.messages)),
  isStreaming: (body) => body.stream === true,
  prepareOutgoing(body) {
    if (body.stream === undefined) return false;
    delete body.stream;
    return true;
  },
  extractUsage(body) {
    if (!isObject(body) || !isObject(body.usage)) return undefined;
    const u = body.usage;
    const prompt = num(u.inputTokens) ?? 0;
    const completion = num(u.outputTokens) ?? 0;
    return {
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: num(u.totalTokens) ?? prompt + completion },
      raw: u,
    };
  },
  extractResponseText(body) {
    const texts: string[] = [];
    for (const b of messageContent(body)) if (isObject(b) && typeof b.text === 'string') texts.push(b.text);
    return texts.length > 0 ? texts.join(' ') : undefined;
  },
  hasToolCall: (body) => messageContent(body).some((b) => isObject(b) && isObject(b.toolUse)),
  parseSseEvent: () => ({ type: 'skip' }),
  requestContent: (body) => body.messages,
};
