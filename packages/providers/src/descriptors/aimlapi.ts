import { openAiLike } from './openai-like.js';

/** AI/ML API (ai-drivers/aimlapi.lua: `/chat/completions`, although its docs say `/v1/...`). */
export const aimlapi = openAiLike({
  name: 'aimlapi',
  host: 'api.aimlapi.com',
  chatPath: '/chat/completions',
  embeddingsPath: '/v1/embeddings',
});
