import type { Capability, DefaultTarget, ProviderDescriptor, ProviderName } from '../types.js';

/** Static defaults of a provider that speaks the OpenAI wire format. */
export interface OpenAiLikeSpec {
  name: ProviderName;
  host?: string;
  chatPath?: string;
  embeddingsPath?: string;
  removeModel?: boolean;
}

/**
 * Build a descriptor for an OpenAI-wire provider (every 3.16 driver except vertex-ai is
 * `openai-base.new({host, path})`, apisix/plugins/ai-drivers/*.lua). Default targets are
 * frozen once, so the hot path only reads them.
 */
export function openAiLike(spec: OpenAiLikeSpec): ProviderDescriptor {
  const targets: Record<Capability, DefaultTarget> = {
    chat: Object.freeze({ scheme: 'https', host: spec.host, path: spec.chatPath }),
    embeddings: Object.freeze({ scheme: 'https', host: spec.host, path: spec.embeddingsPath ?? spec.chatPath }),
  };
  return Object.freeze({
    name: spec.name,
    removeModel: spec.removeModel ?? false,
    defaultTarget: (capability: Capability) => targets[capability],
  });
}
