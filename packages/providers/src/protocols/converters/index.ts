import type { ProviderCapabilities } from '../capabilities.js';
import type { ProtocolName } from '../names.js';

/** A client protocol the gateway can translate to one the provider speaks. */
export interface ConverterRoute {
  from: ProtocolName;
  to: ProtocolName;
  /**
   * The provider's own module converts (bedrock: OpenAI chat ⇄ Converse, a Portico extension);
   * the protocol layer only routes. Otherwise the converters below run in ai-shared.
   */
  external?: boolean;
}

/**
 * Known conversions (apisix/plugins/ai-protocols/converters/init.lua: Anthropic Messages →
 * OpenAI chat), plus OpenAI chat → bedrock-converse done by the bedrock provider.
 */
const CONVERTERS: readonly ConverterRoute[] = [
  { from: 'anthropic-messages', to: 'openai-chat' },
  { from: 'openai-chat', to: 'bedrock-converse', external: true },
];

/** True for the Anthropic Messages → OpenAI chat conversion this package implements. */
export function isAnthropicToOpenAiChat(route: ConverterRoute | undefined): boolean {
  return route !== undefined && route.from === 'anthropic-messages' && route.to === 'openai-chat';
}

/** The conversion to use when `caps` lacks `client`, or undefined when there is none. */
export function findConverter(client: ProtocolName, caps: ProviderCapabilities): ConverterRoute | undefined {
  return CONVERTERS.find((c) => c.from === client && caps[c.to] !== undefined);
}

export { anthropicToOpenAiRequest, anthropicToOpenAiHeaders, type ConvertedAnthropicRequest } from './anthropic-request.js';
export { openAiToAnthropicResponse, AnthropicStreamConverter, encodeSseEvent, type OutEvent } from './anthropic-response.js';
