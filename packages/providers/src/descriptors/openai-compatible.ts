import { openAiLike } from './openai-like.js';

/**
 * Any OpenAI-compatible service. No default host: `override.endpoint` supplies it.
 * Default paths follow APISIX 3.17 (3.16 had none, so an endpoint without a path hit "/").
 */
export const openaiCompatible = openAiLike({
  name: 'openai-compatible',
  chatPath: '/v1/chat/completions',
  embeddingsPath: '/v1/embeddings',
});
