/**
 * Provider names in APISIX 3.17+ enum order (apisix/plugins/ai-providers/schema.lua `providers`:
 * gemini now before vertex-ai, bedrock last).
 */
export const PROVIDER_NAMES = [
  'openai',
  'deepseek',
  'aimlapi',
  'anthropic',
  'openai-compatible',
  'azure-openai',
  'openrouter',
  'gemini',
  'vertex-ai',
  'bedrock',
] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What a request asks the provider for. */
export type Capability = 'chat' | 'embeddings';

export type JsonObject = Record<string, unknown>;

/** `provider_conf` (vertex-ai: project_id + region; bedrock: region). */
export interface ProviderConf {
  project_id?: string;
  region?: string;
  [key: string]: unknown;
}

/** Where a provider listens when `override.endpoint` does not say. */
export interface DefaultTarget {
  scheme: 'http' | 'https';
  /** undefined: the provider has no default host (openai-compatible, azure-openai). */
  host?: string;
  /** undefined: the provider has no default path for this capability. */
  path?: string;
}

/** Input to computed defaults (vertex-ai paths depend on project, region and model). */
export interface TargetInput {
  providerConf: ProviderConf;
  /** Model of the final request body, if any. */
  model: string | undefined;
  /** The request streams (bedrock picks /converse-stream). */
  stream?: boolean;
}

export type Converted<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * A pure description of one LLM provider: default targets per capability and the body
 * edits it needs. No I/O here; transport and auth live in the caller.
 */
export interface ProviderDescriptor {
  readonly name: ProviderName;
  /** Delete `model` from the outgoing body (azure-openai: the deployment is in the URL). */
  readonly removeModel: boolean;
  defaultTarget(capability: Capability, input: TargetInput): DefaultTarget;
  /** Rewrite the final OpenAI-shaped body into the provider wire body (vertex-ai embeddings). */
  encodeRequest?(body: JsonObject, capability: Capability): Converted<JsonObject>;
  /**
   * Rewrite a parsed non-stream response into OpenAI shape. Returning undefined means
   * "no conversion": the raw upstream bytes are forwarded untouched.
   */
  decodeResponse?(body: unknown, capability: Capability, requestModel: string | undefined): Converted<JsonObject> | undefined;
}
