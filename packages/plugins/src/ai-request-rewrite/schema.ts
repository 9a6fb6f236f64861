/**
 * ai-request-rewrite definition (apisix/plugins/ai-request-rewrite.lua, APISIX 3.18): schema,
 * priority, version and check_schema's openai-compatible rule. The runtime lives in ./index.ts.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { maxReqBodySizeSchema } from '../ai-prompt-shared/schema.js';

/** apisix/plugins/ai-providers/schema.lua `providers` (3.18 order). */
export const REWRITE_PROVIDERS = [
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

export type RewriteProvider = (typeof REWRITE_PROVIDERS)[number];

const authItemSchema: JsonSchema = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9._-]+$': { type: 'string' } },
};

export const aiRequestRewriteSchema: JsonSchema = {
  type: 'object',
  properties: {
    max_req_body_size: maxReqBodySizeSchema,
    prompt: { type: 'string', description: 'The prompt to rewrite client request.' },
    provider: { type: 'string', description: 'Name of the AI service provider.', enum: [...REWRITE_PROVIDERS] },
    auth: {
      type: 'object',
      properties: { header: authItemSchema, query: authItemSchema },
      additionalProperties: false,
    },
    options: {
      description: 'Key/value settings for the model',
      type: 'object',
      properties: {
        model: {
          type: 'string',
          description:
            'Model to execute. Examples: "gpt-3.5-turbo" for openai, "deepseek-chat" for deekseek, or "qwen-turbo" for openai-compatible services',
        },
      },
      additionalProperties: true,
    },
    timeout: {
      type: 'integer',
      minimum: 1,
      maximum: 60000,
      default: 30000,
      description: 'Total timeout in milliseconds for requests to LLM service, including connect, send, and read timeouts.',
    },
    keepalive: { type: 'boolean', default: true },
    keepalive_pool: { type: 'integer', minimum: 1, default: 30 },
    ssl_verify: { type: 'boolean', default: true },
    override: {
      type: 'object',
      properties: {
        endpoint: { type: 'string', description: 'To be specified to override the endpoint of the AI service provider.' },
      },
    },
  },
  required: ['prompt', 'provider', 'auth'],
};

/** A validated ai-request-rewrite conf (defaults applied). */
export interface AiRequestRewriteConf {
  max_req_body_size: number;
  prompt: string;
  provider: RewriteProvider;
  auth: { header?: Record<string, string>; query?: Record<string, string> };
  options?: Record<string, unknown> & { model?: string };
  timeout: number;
  keepalive: boolean;
  keepalive_pool: number;
  /** Documented (default 60000) though not in the Lua schema; accepted as any extra field is. */
  keepalive_timeout?: unknown;
  ssl_verify: boolean;
  override?: { endpoint?: string };
}

const OPENAI_COMPATIBLE_ERROR = 'override.endpoint is required for openai-compatible provider';

/** check_schema's first step, run before the JSON schema in APISIX. */
function openaiCompatibleError(conf: unknown): string | undefined {
  if (typeof conf !== 'object' || conf === null) return undefined;
  const c = conf as { provider?: unknown; override?: unknown };
  if (c.provider !== 'openai-compatible') return undefined;
  const o = c.override;
  const endpoint = typeof o === 'object' && o !== null ? (o as { endpoint?: unknown }).endpoint : undefined;
  return endpoint === undefined || endpoint === null || endpoint === false ? OPENAI_COMPATIBLE_ERROR : undefined;
}

export const aiRequestRewriteDefinition: PluginDefinition<AiRequestRewriteConf> = {
  name: 'ai-request-rewrite',
  version: 0.1,
  priority: 1073,
  schema: aiRequestRewriteSchema,
  check: (conf) => openaiCompatibleError(conf),
  schemaError: (conf, err) => openaiCompatibleError(conf) ?? err,
};
