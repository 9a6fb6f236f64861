/**
 * limit-count definition (apisix/plugins/limit-count.lua + limit-count/init.lua, APISIX
 * 3.18): schema, metadata schema, priority and the check_schema rules. No I/O.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { stableJson } from '../pod-shared/stable-json.js';
import { redisPolicySchemas } from '../redis-policy/schema.js';

/** `sync_interval` default: no delayed sync (init.lua NO_DELAYED_SYNC). */
export const NO_DELAYED_SYNC = -1;

const countOrVar = { oneOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'string' }] };

/** limit-count's extra `redis-sentinel` policy block (init.lua). */
const sentinelSchema = {
  properties: {
    redis_sentinels: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          host: { type: 'string', minLength: 2 },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
        },
        required: ['host', 'port'],
        additionalProperties: false,
      },
    },
    redis_master_name: { type: 'string', minLength: 1 },
    redis_role: { type: 'string', enum: ['master', 'slave'], default: 'master' },
    redis_connect_timeout: { type: 'integer', minimum: 1, default: 1000 },
    redis_read_timeout: { type: 'integer', minimum: 1, default: 1000 },
    redis_keepalive_timeout: { type: 'integer', minimum: 1, default: 60000 },
    redis_database: { type: 'integer', minimum: 0, default: 0 },
    redis_username: { type: 'string', minLength: 1 },
    redis_password: { type: 'string', minLength: 0 },
    sentinel_username: { type: 'string', minLength: 1 },
    sentinel_password: { type: 'string', minLength: 0 },
  },
  required: ['redis_sentinels', 'redis_master_name'],
} as const;

/** Fields per policy, for the group whitelist (init.lua policy_to_additional_properties). */
const policyFields: Record<string, readonly string[]> = {
  redis: Object.keys(redisPolicySchemas.redis.properties),
  'redis-cluster': Object.keys(redisPolicySchemas['redis-cluster'].properties),
  'redis-sentinel': Object.keys(sentinelSchema.properties),
};

export const limitCountSchema: JsonSchema = {
  type: 'object',
  properties: {
    count: countOrVar,
    time_window: countOrVar,
    window_type: { type: 'string', enum: ['fixed', 'sliding'], default: 'fixed' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          count: countOrVar,
          time_window: countOrVar,
          key: { type: 'string' },
          header_prefix: { type: 'string', description: 'prefix for rate limit headers' },
        },
        required: ['count', 'time_window', 'key'],
      },
    },
    group: { type: 'string' },
    key: { type: 'string', default: 'remote_addr' },
    key_type: { type: 'string', enum: ['var', 'var_combination', 'constant'], default: 'var' },
    rejected_code: { type: 'integer', minimum: 200, maximum: 599, default: 503 },
    rejected_msg: { type: 'string', minLength: 1 },
    policy: { type: 'string', enum: ['local', 'redis', 'redis-cluster', 'redis-sentinel'], default: 'local' },
    allow_degradation: { type: 'boolean', default: false },
    show_limit_quota_header: { type: 'boolean', default: true },
    sync_interval: { type: 'number', default: NO_DELAYED_SYNC },
  },
  oneOf: [{ required: ['count', 'time_window'] }, { required: ['rules'] }],
  if: { properties: { policy: { enum: ['redis'] } } },
  then: redisPolicySchemas.redis,
  else: {
    if: { properties: { policy: { enum: ['redis-cluster'] } } },
    then: redisPolicySchemas['redis-cluster'],
    else: {
      if: { properties: { policy: { enum: ['redis-sentinel'] } } },
      then: sentinelSchema,
    },
  },
  encrypt_fields: ['redis_password', 'sentinel_password'],
};

/** Response header names (plugin_metadata of limit-count). */
export const limitCountMetadataSchema: JsonSchema = {
  type: 'object',
  properties: {
    limit_header: { type: 'string', default: 'X-RateLimit-Limit' },
    remaining_header: { type: 'string', default: 'X-RateLimit-Remaining' },
    reset_header: { type: 'string', default: 'X-RateLimit-Reset' },
  },
};

/** A validated limit-count conf (defaults applied). */
export interface LimitCountConf {
  count?: number | string;
  time_window?: number | string;
  window_type: 'fixed' | 'sliding';
  rules?: { count: number | string; time_window: number | string; key: string; header_prefix?: string }[];
  group?: string;
  key: string;
  key_type: 'var' | 'var_combination' | 'constant';
  rejected_code: number;
  rejected_msg?: string;
  policy: 'local' | 'redis' | 'redis-cluster' | 'redis-sentinel';
  allow_degradation: boolean;
  show_limit_quota_header: boolean;
  sync_interval: number;
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
  redis_sentinels?: { host: string; port: number }[];
  redis_master_name?: string;
  redis_role?: 'master' | 'slave';
  redis_connect_timeout?: number;
  redis_read_timeout?: number;
  sentinel_username?: string;
  sentinel_password?: string;
}

/** Metadata of limit-count (header names). */
export interface LimitCountMetadata {
  limit_header: string;
  remaining_header: string;
  reset_header: string;
}

/**
 * The first conf seen per group, kept 300 s (APISIX's plugin lrucache default TTL):
 * a later conf of the same group that differs in any schema field is refused.
 */
const GROUP_TTL_MS = 300_000;
const groups = new Map<string, { fields: string; expiresAt: number }>();

function groupFields(conf: LimitCountConf): string {
  const c = conf as unknown as Record<string, unknown>;
  const names = [...Object.keys(limitCountSchema.properties as object), ...(policyFields[conf.policy] ?? [])];
  const picked: Record<string, unknown> = {};
  for (const n of names) picked[n] = c[n];
  return stableJson(picked);
}

function checkGroup(conf: LimitCountConf, now = Date.now()): string | undefined {
  const group = conf.group!;
  const fields = groupFields(conf);
  const prev = groups.get(group);
  if (prev === undefined || prev.expiresAt <= now) {
    groups.set(group, { fields, expiresAt: now + GROUP_TTL_MS });
    return undefined;
  }
  return prev.fields === fields ? undefined : 'group conf mismatched';
}

/** Forget every group seen (tests). */
export function resetLimitCountGroups(): void {
  groups.clear();
}

/** init.lua check_schema after the schema passed (the oneOf conflict is reworded by the caller). */
export function checkLimitCount(conf: LimitCountConf): string | undefined {
  const hasCount = conf.count !== undefined || conf.time_window !== undefined;
  if (conf.rules && hasCount) return 'count/time_window and rules cannot be specified at the same time';
  if (conf.group !== undefined && conf.rules) return 'group and rules cannot be specified at the same time';
  if (conf.group !== undefined) {
    const err = checkGroup(conf);
    if (err) return err;
  }
  if (conf.policy !== 'local' && conf.sync_interval !== NO_DELAYED_SYNC) {
    if (conf.sync_interval < 0.1) return 'sync_interval should not be smaller than 0.1';
    if (typeof conf.time_window === 'number' && conf.sync_interval >= conf.time_window) {
      return 'sync_interval should be smaller than time_window';
    }
  }
  const seen = new Set<string>();
  for (const r of conf.rules ?? []) {
    if (seen.has(r.key)) return `duplicate key '${r.key}' in rules`;
    seen.add(r.key);
  }
  return undefined;
}

export const limitCountDefinition: PluginDefinition<LimitCountConf> = {
  name: 'limit-count',
  version: 0.5,
  priority: 1002,
  schema: limitCountSchema,
  metadataSchema: limitCountMetadataSchema,
  encryptFields: ['redis_password', 'sentinel_password'],
  check: (conf, schemaType) => (schemaType === 'metadata' ? undefined : checkLimitCount(conf)),
  schemaError(conf, err, schemaType) {
    // init.lua check_schema: the oneOf conflict of count/time_window with rules is reworded.
    if (schemaType === 'metadata' || !err.includes('value should match only one schema')) return err;
    const c = conf as Partial<LimitCountConf>;
    return (c.count !== undefined || c.time_window !== undefined) && c.rules !== undefined
      ? 'count/time_window and rules cannot be specified at the same time'
      : err;
  },
};
