import { openAiLike } from './openai-like.js';

/** Azure OpenAI (ai-drivers/azure-openai.lua): no host, `/completions`, and `model` removed. */
export const azureOpenai = openAiLike({ name: 'azure-openai', chatPath: '/completions', removeModel: true });
