import type { AiProtocol } from './types.js';
import { isObject, num } from './util.js';

/** OpenAI Embeddings (apisix/plugins/ai-protocols/openai-embeddings.lua): never streams. */
export const openAiEmbeddings: AiProtocol = {
  name: 'openai-embeddings',
  matches: (body) => body.input !== undefined,
  isStreaming: () => false,
  extractUsage(body) {
    if (!isObject(body) || !isObject(body.usage)) return undefined;
    const u = body.usage;
    return {
      usage: { prompt_tokens: num(u.prompt_tokens) ?? 0, completion_tokens: 0, total_tokens: num(u.total_tokens) ?? 0 },
      raw: u,
    };
  },
  extractResponseText: () => undefined,
  hasToolCall: () => false,
  parseSseEvent: () => ({ type: 'skip' }),
  requestContent: (body) => body.input,
};
