/**
 * limit-req definition (apisix/plugins/limit-req.lua, APISIX 3.18): schema and priority.
 * No I/O.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { redisPolicySchemas } from '../redis-policy/schema.js';

export const limitReqSchema: JsonSchema = {
  type: 'object',
  properties: {
    rate: { type: 'number', exclusiveMinimum: 0 },
    burst: { type: 'number', minimum: 0 },
    key: { type: 'string' },
    key_type: { type: 'string', enum: ['var', 'var_combination'], default: 'var' },
    policy: { type: 'string', enum: ['redis', 'redis-cluster', 'local'], default: 'local' },
    rejected_code: { type: 'integer', minimum: 200, maximum: 599, default: 503 },
    rejected_msg: { type: 'string', minLength: 1 },
    nodelay: { type: 'boolean', default: false },
    allow_degradation: { type: 'boolean', default: false },
  },
  required: ['rate', 'burst', 'key'],
  if: { properties: { policy: { enum: ['redis'] } } },
  then: redisPolicySchemas.redis,
  else: {
    if: { properties: { policy: { enum: ['redis-cluster'] } } },
    then: redisPolicySchemas['redis-cluster'],
  },
  encrypt_fields: ['redis_password'],
};

/** A validated limit-req conf (defaults applied). */
export interface LimitReqConf {
  rate: number;
  burst: number;
  key: string;
  key_type: 'var' | 'var_combination';
  policy: 'local' | 'redis' | 'redis-cluster';
  rejected_code: number;
  rejected_msg?: string;
  nodelay: boolean;
  allow_degradation: boolean;
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

export const limitReqDefinition: PluginDefinition<LimitReqConf> = {
  name: 'limit-req',
  version: 0.1,
  priority: 1001,
  schema: limitReqSchema,
  encryptFields: ['redis_password'],
};
