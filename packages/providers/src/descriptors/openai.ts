import { openAiLike } from './openai-like.js';

/** OpenAI (apisix/plugins/ai-drivers/openai.lua). Embeddings path as in APISIX 3.17 `openai-embeddings`. */
export const openai = openAiLike({
  name: 'openai',
  host: 'api.openai.com',
  chatPath: '/v1/chat/completions',
  embeddingsPath: '/v1/embeddings',
});
