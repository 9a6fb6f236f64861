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
// Usage records and request facts for the llm_* variables (APISIX 3.18; ai-limits).
export {
  openAiChatUsage,
  usageRecord,
  usageDetailsOf,
  mergeUsage,
  usageVars,
  openAiChatRequestFacts,
  chatHasToolCalls,
  chunkHasToolCalls,
} from './usage-record.js';
export type { UsageRecord, UsageVars, RequestFacts } from './usage-record.js';
export * from './protocols/index.js';
export * from './bedrock/index.js';
