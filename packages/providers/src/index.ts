// LLM provider descriptors, SSE decoding, usage extraction and GCP auth. Pure, no transport.
export * from './types.js';
export { getProvider, isProviderName } from './registry.js';
export { classifyRequest } from './classify.js';
export { prepareAuth, mergeQuery } from './auth.js';
export type { AuthConf, GcpAuthConf, PreparedAuth } from './auth.js';
export { SseDecoder } from './sse/decoder.js';
export type { SseEvent } from './sse/decoder.js';
export { normaliseUsage, rawUsageOf, messageTexts, deltaTexts, modelOf } from './usage.js';
export type { TokenUsage } from './usage.js';
export { GcpTokenSource, GcpAuthError, tokenCacheTtl } from './gcp/oauth.js';
export type { FetchLike, GcpTokenSourceOptions } from './gcp/oauth.js';
export { signRs256Jwt } from './gcp/jwt.js';
export { toVertexPredict, fromVertexPredict } from './descriptors/vertex-embeddings.js';
export { amzDate, signingKey, signRequest, type AwsCredentials, type SignInput } from './aws/sigv4.js';
