// Shared machinery of ai-proxy and ai-proxy-multi: validation, body/URL/header building,
// the undici transport and response handling. See README.md for the reuse contract.
export { validateAiRequest, isReply } from './validate.js';
export { buildBody, type BuiltBody } from './body.js';
export { parseEndpoint, type ParsedEndpoint } from './endpoint.js';
export { buildUpstreamHeaders } from './headers.js';
export { prepareInstance, resolveTarget, type PreparedInstance, type Target } from './instance.js';
export { createPool, type AiPool } from './pool.js';
export { sendToInstance, failureReply, type SendOptions } from './send.js';
export { applyLogging } from './logging.js';
export { classifyTransportError } from './errors.js';
export { cjsonDecodeError } from './cjson-error.js';
export { SHARED, getRunState, setPickedInstance, publishUsage, type AiRunState } from './keys.js';
export { aiSharedSchemas } from './schema.js';
export * from './types.js';
