// AI protocols (APISIX 3.18 apisix/plugins/ai-protocols): detection, per-provider
// capabilities, body merge and the Anthropic Messages ⇄ OpenAI Chat converter. Pure code.
export { PROTOCOL_NAMES, type ProtocolName } from './names.js';
export type { AiProtocol, ExtractedUsage, FullUsage, ParsedSseEvent } from './types.js';
export { detectProtocol, getProtocol, registerProtocol } from './registry.js';
export {
  capabilitiesOf,
  registerCapabilities,
  supportedList,
  type CapabilityEntry,
  type ProviderCapabilities,
} from './capabilities.js';
export { deepMerge } from './merge.js';
export * from './converters/index.js';
