/**
 * limit-req definition (apisix/plugins/limit-req.lua, APISIX 3.18): schema and priority.
 * No I/O.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { type RedisConfFields, redisPolicySchemas } from '../redis-policy/schema.js';

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
export interface LimitReqConf extends RedisConfFields {
  rate: number;
  burst: number;
  key: string;
  key_type: 'var' | 'var_combination';
  policy: 'local' | 'redis' | 'redis-cluster';
  rejected_code: number;
  rejected_msg?: string;
  nodelay: boolean;
  allow_degradation: boolean;
}

export const limitReqDefinition: PluginDefinition<LimitReqConf> = {
  name: 'limit-req',
  version: 0.1,
  priority: 1001,
  schema: limitReqSchema,
  encryptFields: ['redis_password'],
};
