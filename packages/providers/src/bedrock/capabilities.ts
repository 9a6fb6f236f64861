/**
 * bedrock's protocol capability with its `override.llm_options.max_tokens` mapping
 * (ai-providers/bedrock.lua rewrite_request_body: `inferenceConfig.maxTokens`, forced),
 * registered over the protocol layer's plain entry when this module loads.
 */
import { registerCapabilities } from '../protocols/capabilities.js';
import type { JsonObject } from '../types.js';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function applyConverseMaxTokens(body: JsonObject, n: number): void {
  body.inferenceConfig = { ...(isObject(body.inferenceConfig) ? body.inferenceConfig : {}), maxTokens: n };
}

registerCapabilities('bedrock', { 'bedrock-converse': { target: 'chat', applyMaxTokens: applyConverseMaxTokens } });
