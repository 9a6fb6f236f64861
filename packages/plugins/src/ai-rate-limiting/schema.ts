import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { redisPolicySchemas } from '../redis-policy/schema.js';

const countOrVar = (min: 'exclusiveMinimum' | 'minimum') => ({
  oneOf: [{ type: 'integer', [min]: min === 'minimum' ? 1 : 0 }, { type: 'string' }],
});

/**
 * ai-rate-limiting's schema: apisix/plugins/ai-rate-limiting.lua at 3.16 (§1.4 of the
 * reference) plus the 3.17+ `policy`, redis fields and `allow_degradation`. The
 * `expression` limit strategy (3.18) is not supported. Key order follows the Lua table so
 * the first reported error matches APISIX's.
 */
export const aiRateLimitingSchema: JsonSchema = {
  type: 'object',
  properties: {
    limit: countOrVar('exclusiveMinimum'),
    time_window: countOrVar('exclusiveMinimum'),
    show_limit_quota_header: { type: 'boolean', default: true },
    limit_strategy: {
      type: 'string',
      enum: ['total_tokens', 'prompt_tokens', 'completion_tokens'],
      default: 'total_tokens',
      description: 'The strategy to limit the tokens',
    },
    instances: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          limit: countOrVar('minimum'),
          time_window: countOrVar('minimum'),
        },
        required: ['name', 'limit', 'time_window'],
      },
      minItems: 1,
    },
    rejected_code: { type: 'integer', minimum: 200, maximum: 599, default: 503 },
    rejected_msg: { type: 'string', minLength: 1 },
    policy: { type: 'string', enum: ['local', 'redis', 'redis-cluster'], default: 'local' },
    allow_degradation: { type: 'boolean', default: false },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          count: countOrVar('exclusiveMinimum'),
          time_window: countOrVar('exclusiveMinimum'),
          key: { type: 'string' },
          header_prefix: { type: 'string', description: 'prefix for rate limit headers' },
        },
        required: ['count', 'time_window', 'key'],
      },
    },
  },
  dependencies: {
    limit: ['time_window'],
    time_window: ['limit'],
  },
  oneOf: [{ anyOf: [{ required: ['limit', 'time_window'] }, { required: ['instances'] }] }, { required: ['rules'] }],
  if: { properties: { policy: { enum: ['redis'] } } },
  then: redisPolicySchemas.redis,
  else: {
    if: { properties: { policy: { enum: ['redis-cluster'] } } },
    then: redisPolicySchemas['redis-cluster'],
  },
};

/** A validated ai-rate-limiting conf (defaults applied). */
export interface AiRateLimitingConf {
  limit?: number | string;
  time_window?: number | string;
  show_limit_quota_header: boolean;
  limit_strategy: 'total_tokens' | 'prompt_tokens' | 'completion_tokens';
  instances?: { name: string; limit: number | string; time_window: number | string }[];
  rejected_code: number;
  rejected_msg?: string;
  policy: 'local' | 'redis' | 'redis-cluster';
  allow_degradation: boolean;
  rules?: { count: number | string; time_window: number | string; key: string; header_prefix?: string }[];
  redis_host?: string;
  redis_port?: number;
  redis_username?: string;
  redis_password?: string;
  redis_database?: number;
  redis_timeout?: number;
  redis_ssl?: boolean;
  redis_ssl_verify?: boolean;
  redis_keepalive_timeout?: number;
  redis_keepalive_pool?: number;
  redis_cluster_nodes?: string[];
  redis_cluster_name?: string;
  redis_cluster_ssl?: boolean;
  redis_cluster_ssl_verify?: boolean;
}

export const AI_RATE_LIMITING = 'ai-rate-limiting';

/** Schema-only definition of ai-rate-limiting (priority 1030): what the Admin API validates with. */
export const aiRateLimitingDefinition: PluginDefinition<AiRateLimitingConf> = {
  name: AI_RATE_LIMITING,
  priority: 1030,
  version: 0.1,
  schema: aiRateLimitingSchema,
  encryptFields: ['redis_password'],
};
