/**
 * limit-conn definition (apisix/plugins/limit-conn.lua, APISIX 3.18): schema and priority.
 * No I/O.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { type RedisConfFields, redisPolicySchemas } from '../redis-policy/schema.js';

const withKeyTtl = <T extends { properties: object; required: readonly string[] }>(s: T) => ({
  ...s,
  properties: { ...s.properties, key_ttl: { type: 'integer', default: 3600 } },
});

const positiveOrVar = { oneOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'string' }] };
const nonNegativeOrVar = { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] };

export const limitConnSchema: JsonSchema = {
  type: 'object',
  properties: {
    conn: positiveOrVar,
    burst: nonNegativeOrVar,
    default_conn_delay: { type: 'number', exclusiveMinimum: 0 },
    only_use_default_delay: { type: 'boolean', default: false },
    key: { type: 'string' },
    key_type: { type: 'string', enum: ['var', 'var_combination'], default: 'var' },
    policy: { type: 'string', enum: ['redis', 'redis-cluster', 'local'], default: 'local' },
    rejected_code: { type: 'integer', minimum: 200, maximum: 599, default: 503 },
    rejected_msg: { type: 'string', minLength: 1 },
    allow_degradation: { type: 'boolean', default: false },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: { conn: positiveOrVar, burst: nonNegativeOrVar, key: { type: 'string' } },
        required: ['conn', 'burst', 'key'],
      },
    },
  },
  oneOf: [{ required: ['conn', 'burst', 'default_conn_delay', 'key'] }, { required: ['default_conn_delay', 'rules'] }],
  if: { properties: { policy: { enum: ['redis'] } } },
  then: withKeyTtl(redisPolicySchemas.redis),
  else: {
    if: { properties: { policy: { enum: ['redis-cluster'] } } },
    then: withKeyTtl(redisPolicySchemas['redis-cluster']),
  },
  encrypt_fields: ['redis_password'],
};

/** A validated limit-conn conf (defaults applied). */
export interface LimitConnConf extends RedisConfFields {
  conn?: number | string;
  burst?: number | string;
  default_conn_delay: number;
  only_use_default_delay: boolean;
  key?: string;
  key_type: 'var' | 'var_combination';
  policy: 'local' | 'redis' | 'redis-cluster';
  rejected_code: number;
  rejected_msg?: string;
  allow_degradation: boolean;
  rules?: { conn: number | string; burst: number | string; key: string }[];
  key_ttl?: number;
}

export const limitConnDefinition: PluginDefinition<LimitConnConf> = {
  name: 'limit-conn',
  version: 0.1,
  priority: 1003,
  schema: limitConnSchema,
  encryptFields: ['redis_password'],
};
