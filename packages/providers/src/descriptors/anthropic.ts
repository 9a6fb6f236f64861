import { openAiLike } from './openai-like.js';

/** Anthropic through its OpenAI-compatible endpoint (ai-drivers/anthropic.lua; no conversion). */
export const anthropic = openAiLike({ name: 'anthropic', host: 'api.anthropic.com', chatPath: '/v1/chat/completions' });
