import { aimlapi } from './descriptors/aimlapi.js';
import { anthropic } from './descriptors/anthropic.js';
import { azureOpenai } from './descriptors/azure-openai.js';
import { bedrock } from './descriptors/bedrock.js';
import { deepseek } from './descriptors/deepseek.js';
import { gemini } from './descriptors/gemini.js';
import { openai } from './descriptors/openai.js';
import { openaiCompatible } from './descriptors/openai-compatible.js';
import { openrouter } from './descriptors/openrouter.js';
import { vertexAi } from './descriptors/vertex-ai.js';
import type { ProviderDescriptor, ProviderName } from './types.js';

const registry: Readonly<Record<ProviderName, ProviderDescriptor>> = Object.freeze({
  openai,
  deepseek,
  aimlapi,
  anthropic,
  'openai-compatible': openaiCompatible,
  'azure-openai': azureOpenai,
  openrouter,
  'vertex-ai': vertexAi,
  gemini,
  bedrock,
});

/** The descriptor of a provider named in a (schema-validated) plugin conf. */
export function getProvider(name: ProviderName): ProviderDescriptor {
  return registry[name];
}

/** Type guard for names coming from untyped JSON. */
export function isProviderName(name: unknown): name is ProviderName {
  return typeof name === 'string' && Object.hasOwn(registry, name);
}
