/**
 * AI protocol names, sorted as APISIX 3.18 `ai-protocols.names()` returns them (the keys of
 * `override.request_body`). `bedrock-converse` is listed although its module comes from the
 * bedrock provider: the schema accepts it like APISIX does.
 */
export const PROTOCOL_NAMES = [
  'anthropic-messages',
  'bedrock-converse',
  'openai-chat',
  'openai-embeddings',
  'openai-responses',
  'passthrough',
] as const;

export type ProtocolName = (typeof PROTOCOL_NAMES)[number];
