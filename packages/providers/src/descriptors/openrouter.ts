import { openAiLike } from './openai-like.js';

/** OpenRouter (ai-drivers/openrouter.lua). */
export const openrouter = openAiLike({
  name: 'openrouter',
  host: 'openrouter.ai',
  chatPath: '/api/v1/chat/completions',
  embeddingsPath: '/api/v1/embeddings',
});
