import type { JsonObject } from '../types.js';
import { escapeSegment } from './sign.js';

/**
 * The bedrock-converse client protocol (ai-protocols/bedrock-converse.lua matches): the
 * request URI ends with `/converse` and the body has a `messages` table. APISIX checks it
 * first, before every other protocol.
 */
export function isConverseRequest(uri: string, body: Readonly<JsonObject>): boolean {
  return uri.endsWith('/converse') && typeof body.messages === 'object' && body.messages !== null;
}

export const bedrockHost = (region: string): string => `bedrock-runtime.${region}.amazonaws.com`;

/**
 * `/model/<modelId>/converse` or `/converse-stream`, the model id percent-encoded as one path
 * segment (inference profile ARNs contain `:` and `/`). undefined without a model.
 */
export function bedrockPath(model: string | undefined, stream: boolean): string | undefined {
  if (model === undefined || model === '') return undefined;
  return `/model/${escapeSegment(model)}/${stream ? 'converse-stream' : 'converse'}`;
}

/** build_request's 400 when neither options.model nor the body names a model and the endpoint has no path. */
export const NO_PATH_ERROR =
  'could not resolve upstream path: ensure the route or request body specifies a model, or that override.endpoint includes a path';

export { checkBedrockConf } from './check.js';
