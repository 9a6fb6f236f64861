import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { redisPolicySchemas } from '../redis-policy/schema.js';

const embeddingProvider = (required: string[], withModel: boolean): JsonSchema => ({
  type: 'object',
  properties: {
    endpoint: { type: 'string' },
    ...(withModel ? { model: { type: 'string' } } : {}),
    api_key: { type: 'string' },
    dimensions: { type: 'integer', minimum: 1 },
    ssl_verify: { type: 'boolean', default: true },
    timeout: { type: 'integer', minimum: 1, default: 5000 },
  },
  required,
});

/**
 * ai-cache's schema (apisix/plugins/ai-cache/schema.lua, APISIX 3.18). Key order follows the
 * Lua table so the first reported error matches APISIX's.
 */
export const aiCacheSchema: JsonSchema = {
  type: 'object',
  properties: {
    exact: {
      type: 'object',
      properties: { ttl: { type: 'integer', minimum: 1, default: 3600 } },
      default: {},
    },
    cache_key: {
      type: 'object',
      properties: {
        share_across_routes: { type: 'boolean', default: false },
        include_consumer: { type: 'boolean', default: false },
        include_vars: { type: 'array', items: { type: 'string' }, default: [] },
      },
      default: {},
    },
    max_cache_body_size: { type: 'integer', minimum: 0, default: 1048576 },
    cache_headers: { type: 'boolean', default: true },
    fail_mode: { type: 'string', enum: ['skip', 'warn', 'error'], default: 'skip' },
    bypass_on: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          header: { type: 'string', minLength: 1 },
          equals: { type: 'string' },
        },
        required: ['header', 'equals'],
      },
    },
    policy: { type: 'string', enum: ['redis'], default: 'redis' },
    layers: {
      type: 'array',
      items: { enum: ['exact', 'semantic'] },
      minItems: 1,
      uniqueItems: true,
      contains: { const: 'exact' },
      default: ['exact'],
    },
    semantic: {
      type: 'object',
      properties: {
        similarity_threshold: { type: 'number', minimum: 0, maximum: 1, default: 0.95 },
        top_k: { type: 'integer', minimum: 1, default: 1 },
        distance_metric: { enum: ['cosine'], default: 'cosine' },
        ttl: { type: 'integer', minimum: 1, default: 86400 },
        match: {
          type: 'object',
          properties: {
            message_countback: { type: 'integer', minimum: 1, default: 1 },
            ignore_system_prompts: { type: 'boolean', default: true },
            ignore_assistant_prompts: { type: 'boolean', default: true },
            ignore_tool_prompts: { type: 'boolean', default: true },
          },
          default: {},
        },
        embedding: {
          type: 'object',
          properties: {
            openai: embeddingProvider(['model', 'api_key'], true),
            azure_openai: embeddingProvider(['endpoint', 'api_key'], false),
          },
          oneOf: [{ required: ['openai'] }, { required: ['azure_openai'] }],
        },
        vector_search: {
          type: 'object',
          properties: {
            redis: {
              type: 'object',
              properties: { index: { type: 'string', default: 'ai-cache' } },
              default: {},
            },
          },
          required: ['redis'],
        },
      },
      required: ['embedding', 'vector_search'],
    },
  },
  if: { properties: { policy: { enum: ['redis'] } } },
  then: redisPolicySchemas.redis,
  allOf: [
    {
      if: { properties: { layers: { contains: { const: 'semantic' } } }, required: ['layers'] },
      then: { required: ['semantic'] },
    },
  ],
};

export interface EmbeddingProviderConf {
  endpoint?: string;
  model?: string;
  api_key: string;
  dimensions?: number;
  ssl_verify: boolean;
  timeout: number;
}

export interface SemanticMatchConf {
  message_countback: number;
  ignore_system_prompts: boolean;
  ignore_assistant_prompts: boolean;
  ignore_tool_prompts: boolean;
}

export interface AiCacheSemanticConf {
  similarity_threshold: number;
  top_k: number;
  distance_metric: 'cosine';
  ttl: number;
  match: SemanticMatchConf;
  embedding: { openai?: EmbeddingProviderConf; azure_openai?: EmbeddingProviderConf };
  vector_search: { redis: { index: string } };
}

/** A validated ai-cache conf (defaults applied). */
export interface AiCacheConf {
  exact: { ttl: number };
  cache_key: { share_across_routes: boolean; include_consumer: boolean; include_vars: string[] };
  max_cache_body_size: number;
  cache_headers: boolean;
  fail_mode: 'skip' | 'warn' | 'error';
  bypass_on?: { header: string; equals: string }[];
  policy: 'redis';
  layers: ('exact' | 'semantic')[];
  semantic?: AiCacheSemanticConf;
  redis_host: string;
  redis_port: number;
  redis_username?: string;
  redis_password?: string;
  redis_database: number;
  redis_timeout: number;
  redis_ssl: boolean;
  redis_ssl_verify: boolean;
  redis_keepalive_timeout: number;
  redis_keepalive_pool: number;
}

export const AI_CACHE = 'ai-cache';

/** Admin-side definition of ai-cache (apisix/plugins/ai-cache.lua: priority 1035, version 0.1). */
export const aiCacheDefinition = {
  name: AI_CACHE,
  priority: 1035,
  version: 0.1,
  schema: aiCacheSchema,
  encryptFields: ['redis_password', 'semantic.embedding.openai.api_key', 'semantic.embedding.azure_openai.api_key'],
} satisfies PluginDefinition<AiCacheConf>;
