import type { JsonObject } from '../types.js';
import { anthropicMessages } from './anthropic-messages.js';
import { bedrockConverse } from './bedrock-converse.js';
import type { ProtocolName } from './names.js';
import { openAiChat } from './openai-chat.js';
import { openAiEmbeddings } from './openai-embeddings.js';
import { openAiResponses } from './openai-responses.js';
import { passthrough } from './passthrough.js';
import type { AiProtocol } from './types.js';

const modules = new Map<ProtocolName, AiProtocol>([
  ['bedrock-converse', bedrockConverse],
  ['anthropic-messages', anthropicMessages],
  ['openai-responses', openAiResponses],
  ['openai-chat', openAiChat],
  ['openai-embeddings', openAiEmbeddings],
  ['passthrough', passthrough],
]);

/** APISIX 3.18 detection order (ai-protocols/init.lua); absent modules are skipped. */
const DETECTION_ORDER: readonly ProtocolName[] = [
  'bedrock-converse',
  'anthropic-messages',
  'openai-responses',
  'openai-chat',
  'openai-embeddings',
  'passthrough',
];

/** Add a protocol module (the bedrock provider registers `bedrock-converse`). */
export function registerProtocol(p: AiProtocol): void {
  modules.set(p.name, p);
}

export function getProtocol(name: ProtocolName): AiProtocol | undefined {
  return modules.get(name);
}

/**
 * The protocol a client request speaks, by body and URI path, in APISIX's order; undefined
 * when none matches (an empty object body), which APISIX answers with
 * 400 `no matching AI protocol for the request`.
 */
export function detectProtocol(body: JsonObject, uri: string): AiProtocol | undefined {
  for (const name of DETECTION_ORDER) {
    const p = modules.get(name);
    if (p?.matches(body, uri)) return p;
  }
  return undefined;
}
