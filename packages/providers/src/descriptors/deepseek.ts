import { openAiLike } from './openai-like.js';

/** DeepSeek (ai-drivers/deepseek.lua). DeepSeek has no embeddings API: chat path for both. */
export const deepseek = openAiLike({ name: 'deepseek', host: 'api.deepseek.com', chatPath: '/chat/completions' });
