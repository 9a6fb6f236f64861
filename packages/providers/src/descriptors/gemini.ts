import { openAiLike } from './openai-like.js';

/** Gemini through Google's OpenAI-compatible endpoint (ai-drivers/gemini.lua). */
export const gemini = openAiLike({
  name: 'gemini',
  host: 'generativelanguage.googleapis.com',
  chatPath: '/v1beta/openai/chat/completions',
  embeddingsPath: '/v1beta/openai/embeddings',
});
