// Amazon Bedrock runtime: Converse / ConverseStream wire formats, AWS event-stream framing, SigV4.
export {
  EventStreamDecoder,
  EventStreamError,
  decodeFrame,
  encodeFrame,
  MAX_FRAME_SIZE,
  type EventStreamFrame,
  type EventStreamHeaderValue,
  type EventStreamErrorCode,
} from './eventstream.js';
export { openAiChatToConverse } from './converse-request.js';
export { converseToOpenAiChat, converseUsage, converseTexts, finishReason, type ChatIdentity } from './converse-response.js';
export {
  ConverseToOpenAiStream,
  readConverseFrame,
  deltaText,
  streamUsage,
  sseBytes,
  type ConverseStreamEvent,
} from './converse-stream.js';
export {
  signBedrockRequest,
  SigningKeyCache,
  normalisePath,
  escapeSegment,
  credentialsOf,
  BEDROCK_SIGNING_SERVICE,
  type AwsAuthConf,
  type BedrockSignInput,
} from './sign.js';
export { isConverseRequest, bedrockHost, bedrockPath, checkBedrockConf, NO_PATH_ERROR } from './protocol.js';
export { applyConverseMaxTokens } from './capabilities.js';
