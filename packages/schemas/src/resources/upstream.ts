/** Upstream schema (apisix/schema_def.lua `upstream_schema`, health checker, nodes). */
import type { JsonSchema } from '@portico/plugin-sdk';
import { hostDef, idSchema, metaProps, methodEnum, timeoutDef } from './common.js';

const statusList = (def: number[]): JsonSchema => ({
  type: 'array',
  minItems: 1,
  items: { type: 'integer', minimum: 200, maximum: 599 },
  uniqueItems: true,
  default: def,
});
const counter = (min: number, def: number): JsonSchema => ({ type: 'integer', minimum: min, maximum: 254, default: def });

export const healthCheckerActive: JsonSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['http', 'https', 'tcp'], default: 'http' },
    timeout: { type: 'number', default: 1 },
    concurrency: { type: 'integer', default: 10 },
    host: hostDef,
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    http_method: { type: 'string', enum: methodEnum, default: 'GET' },
    http_path: { type: 'string', default: '/' },
    http_req_body: { type: 'string', default: '' },
    https_verify_certificate: { type: 'boolean', default: true },
    healthy: {
      type: 'object',
      properties: {
        interval: { type: 'integer', minimum: 1, default: 1 },
        http_statuses: statusList([200, 302]),
        successes: counter(1, 2),
      },
    },
    unhealthy: {
      type: 'object',
      properties: {
        interval: { type: 'integer', minimum: 1, default: 1 },
        http_statuses: statusList([429, 404, 500, 501, 502, 503, 504, 505]),
        http_failures: counter(1, 5),
        tcp_failures: counter(1, 2),
        timeouts: counter(1, 3),
      },
    },
    req_headers: { type: 'array', minItems: 1, items: { type: 'string', uniqueItems: true } },
  },
};

export const healthCheckerPassive: JsonSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['http', 'https', 'tcp'], default: 'http' },
    healthy: {
      type: 'object',
      properties: {
        http_statuses: statusList([
          200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308,
        ]),
        successes: counter(0, 5),
      },
    },
    unhealthy: {
      type: 'object',
      properties: {
        http_statuses: statusList([429, 500, 503]),
        tcp_failures: counter(0, 2),
        timeouts: counter(0, 7),
        http_failures: counter(0, 5),
      },
    },
  },
};

export const healthChecker: JsonSchema = {
  type: 'object',
  properties: { active: healthCheckerActive, passive: healthCheckerPassive },
  anyOf: [{ required: ['active'] }, { required: ['active', 'passive'] }],
};

/** Nodes: `{"host:port": weight}` or `[{host, port, weight, priority, metadata}]`. */
export const nodesSchema: JsonSchema = {
  anyOf: [
    { type: 'object', patternProperties: { '.*': { type: 'integer', minimum: 0 } } },
    {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          host: hostDef,
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          weight: { type: 'integer', minimum: 0 },
          priority: { type: 'integer', default: 0 },
          metadata: { type: 'object' },
        },
        required: ['host', 'weight'],
      },
    },
  ],
};

const certificateSchema: JsonSchema = { type: 'string', minLength: 128, maxLength: 64 * 1024 };
const privateKeySchema: JsonSchema = { type: 'string', minLength: 64, maxLength: 64 * 1024 };
export { certificateSchema, privateKeySchema };

export const upstreamSchema: JsonSchema = {
  type: 'object',
  properties: {
    ...metaProps(),
    nodes: nodesSchema,
    retries: { type: 'integer', minimum: 0 },
    retry_timeout: { type: 'number', minimum: 0 },
    timeout: timeoutDef,
    tls: {
      type: 'object',
      properties: {
        client_cert_id: idSchema,
        client_cert: certificateSchema,
        client_key: privateKeySchema,
        verify: { type: 'boolean', default: false },
      },
      dependencies: {
        client_cert: { required: ['client_key'] },
        client_key: { required: ['client_cert'] },
        client_cert_id: { not: { required: ['client_cert', 'client_key'] } },
      },
    },
    keepalive_pool: {
      type: 'object',
      properties: {
        size: { type: 'integer', default: 320, minimum: 1 },
        idle_timeout: { type: 'number', default: 60, minimum: 0 },
        requests: { type: 'integer', default: 1000, minimum: 1 },
      },
    },
    type: { type: 'string', default: 'roundrobin' },
    checks: healthChecker,
    hash_on: { type: 'string', default: 'vars', enum: ['vars', 'header', 'cookie', 'consumer', 'vars_combinations'] },
    key: { type: 'string' },
    scheme: { default: 'http', enum: ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'udp', 'kafka'] },
    discovery_type: { type: 'string' },
    discovery_args: {
      type: 'object',
      properties: { namespace_id: { type: 'string' }, group_name: { type: 'string' } },
    },
    pass_host: { type: 'string', enum: ['pass', 'node', 'rewrite'], default: 'pass' },
    upstream_host: hostDef,
    service_name: { type: 'string', maxLength: 256, minLength: 1 },
  },
  oneOf: [{ required: ['nodes'] }, { required: ['service_name', 'discovery_type'] }],
  additionalProperties: false,
};

/** chash `key` when hash_on is vars (apisix/schema_def.lua upstream_hash_vars_schema). */
export const upstreamHashVarsSchema: JsonSchema = {
  type: 'string',
  pattern:
    '^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$',
};
/** chash `key` when hash_on is header/cookie. */
export const upstreamHashHeaderSchema: JsonSchema = { type: 'string', pattern: '^[a-zA-Z0-9-_]+$' };
/** chash `key` when hash_on is vars_combinations. */
export const upstreamHashVarsCombinationsSchema: JsonSchema = { type: 'string' };
