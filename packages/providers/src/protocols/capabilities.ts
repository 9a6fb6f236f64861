import type { Capability, JsonObject } from '../types.js';
import type { ProtocolName } from './names.js';

/** One protocol a provider speaks natively (APISIX 3.18 `capabilities[<protocol>]`). */
export interface CapabilityEntry {
  /** Which descriptor default (host, computed path) the protocol uses. */
  readonly target: Capability;
  /** The provider's own path for the protocol; undefined → the descriptor's default path. */
  readonly path?: string;
  /** `override.llm_options.max_tokens` in the provider's field (`rewrite_request_body`, always forced). */
  readonly applyMaxTokens?: (body: JsonObject, maxTokens: number) => void;
}

/** Protocol → entry, in declaration order (the order of the "supported: ..." list). */
export type ProviderCapabilities = Readonly<Partial<Record<ProtocolName, CapabilityEntry>>>;

const setField =
  (field: string) =>
  (body: JsonObject, n: number): void => {
    body[field] = n;
  };
const maxTokens = setField('max_tokens');
const maxOutputTokens = setField('max_output_tokens');
const maxCompletionTokens = setField('max_completion_tokens');
/** openai chat: `max_completion_tokens`, and the legacy `max_tokens` is dropped. */
const openAiMaxTokens = (body: JsonObject, n: number): void => {
  body.max_completion_tokens = n;
  delete body.max_tokens;
};

const chatOnly = (path: string | undefined, apply: CapabilityEntry['applyMaxTokens']): ProviderCapabilities =>
  Object.freeze({ 'openai-chat': Object.freeze({ target: 'chat' as const, path, applyMaxTokens: apply }) });

const table = new Map<string, ProviderCapabilities>([
  [
    'openai',
    Object.freeze({
      'openai-chat': { target: 'chat', path: '/v1/chat/completions', applyMaxTokens: openAiMaxTokens },
      'openai-responses': { target: 'chat', path: '/v1/responses', applyMaxTokens: maxOutputTokens },
      'openai-embeddings': { target: 'embeddings', path: '/v1/embeddings' },
    }),
  ],
  [
    'anthropic',
    Object.freeze({
      'openai-chat': { target: 'chat', path: '/v1/chat/completions', applyMaxTokens: maxTokens },
      'anthropic-messages': { target: 'chat', path: '/v1/messages', applyMaxTokens: maxTokens },
    }),
  ],
  [
    'openai-compatible',
    Object.freeze({
      'openai-chat': { target: 'chat', path: '/v1/chat/completions', applyMaxTokens: maxTokens },
      'openai-responses': { target: 'chat', path: '/v1/responses', applyMaxTokens: maxOutputTokens },
      'openai-embeddings': { target: 'embeddings', path: '/v1/embeddings' },
    }),
  ],
  // Chat-only providers keep their 3.16 chat paths (undefined: the descriptor's path).
  ['deepseek', chatOnly(undefined, maxTokens)],
  ['aimlapi', chatOnly(undefined, maxTokens)],
  ['azure-openai', chatOnly(undefined, maxTokens)],
  ['openrouter', chatOnly(undefined, maxTokens)],
  ['gemini', chatOnly(undefined, maxCompletionTokens)],
  // vertex-ai: computed paths; embeddings are converted to `:predict` by the descriptor
  // (APISIX: the openai-embeddings → vertex-predict converter).
  [
    'vertex-ai',
    Object.freeze({
      'openai-chat': { target: 'chat', applyMaxTokens: maxCompletionTokens },
      'openai-embeddings': { target: 'embeddings' },
    }),
  ],
  // bedrock: Converse only (APISIX 3.18); its module may register a fuller entry.
  ['bedrock', Object.freeze({ 'bedrock-converse': { target: 'chat' } })],
]);

/**
 * Declare (or replace) what a provider speaks. Providers added later (e.g. bedrock with its
 * own `bedrock-converse` protocol) register here from their own module.
 */
export function registerCapabilities(provider: string, caps: ProviderCapabilities): void {
  table.set(provider, Object.freeze({ ...caps }));
}

/** The protocols a provider speaks natively (empty when unknown). */
export function capabilitiesOf(provider: string): ProviderCapabilities {
  return table.get(provider) ?? {};
}

/** `supported: ...` list of the 400 for an unsupported protocol. */
export function supportedList(caps: ProviderCapabilities): string {
  return Object.keys(caps).join(', ');
}
