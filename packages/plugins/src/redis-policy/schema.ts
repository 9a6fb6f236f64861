/**
 * Redis connection fields per `policy`, as apisix/utils/redis-schema.lua declares them
 * (shared by limit-count, limit-req, limit-conn and ai-rate-limiting at 3.17+).
 */
export const redisPolicySchemas = {
  redis: {
    properties: {
      redis_host: { type: 'string', minLength: 2 },
      redis_port: { type: 'integer', minimum: 1, default: 6379 },
      redis_username: { type: 'string', minLength: 1 },
      redis_password: { type: 'string', minLength: 0 },
      redis_database: { type: 'integer', minimum: 0, default: 0 },
      redis_timeout: { type: 'integer', minimum: 1, default: 1000 },
      redis_ssl: { type: 'boolean', default: false },
      redis_ssl_verify: { type: 'boolean', default: false },
      redis_keepalive_timeout: { type: 'integer', minimum: 1000, default: 10000 },
      redis_keepalive_pool: { type: 'integer', minimum: 1, default: 100 },
    },
    required: ['redis_host'],
  },
  'redis-cluster': {
    properties: {
      redis_cluster_nodes: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 2, maxLength: 100 },
      },
      redis_password: { type: 'string', minLength: 0 },
      redis_timeout: { type: 'integer', minimum: 1, default: 1000 },
      redis_cluster_name: { type: 'string' },
      redis_cluster_ssl: { type: 'boolean', default: false },
      redis_cluster_ssl_verify: { type: 'boolean', default: false },
      redis_keepalive_timeout: { type: 'integer', minimum: 1000, default: 10000 },
      redis_keepalive_pool: { type: 'integer', minimum: 1, default: 100 },
    },
    required: ['redis_cluster_nodes', 'redis_cluster_name'],
  },
} as const;

/** The redis / redis-cluster fields a `policy: redis*` limit plugin conf may carry (apisix/utils/redis-schema.lua). */
export interface RedisConfFields {
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
