/** Route and service schemas (apisix/schema_def.lua `route`, `service`). */
import type { JsonSchema } from '@portico/plugin-sdk';
import { hostDef, idSchema, metaProps, methodSchema, pluginsSchema, remoteAddrDef, timeoutDef } from './common.js';
import { upstreamSchema } from './upstream.js';

const scriptDef: JsonSchema = { type: 'string', minLength: 10, maxLength: 102400 };
const hostsDef: JsonSchema = { type: 'array', items: hostDef, minItems: 1, uniqueItems: true };

/** Exactly one of a/b, or neither (oneOf [not anyOf, a, b]). */
function atMostOne(a: string, b: string): JsonSchema {
  return {
    oneOf: [{ not: { anyOf: [{ required: [a] }, { required: [b] }] } }, { required: [a] }, { required: [b] }],
  };
}

export const routeSchema: JsonSchema = {
  type: 'object',
  properties: {
    ...metaProps(),
    uri: { type: 'string', minLength: 1, maxLength: 4096 },
    uris: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
    priority: { type: 'integer', default: 0 },
    methods: { type: 'array', items: methodSchema, uniqueItems: true },
    host: hostDef,
    hosts: hostsDef,
    remote_addr: remoteAddrDef,
    remote_addrs: { type: 'array', items: remoteAddrDef, minItems: 1, uniqueItems: true },
    timeout: timeoutDef,
    vars: { type: 'array' },
    filter_func: { type: 'string', minLength: 10, pattern: '^function' },
    script: scriptDef,
    script_id: idSchema,
    plugins: pluginsSchema,
    plugin_config_id: idSchema,
    upstream: upstreamSchema,
    service_id: idSchema,
    upstream_id: idSchema,
    enable_websocket: { type: 'boolean' },
    status: { type: 'integer', enum: [1, 0], default: 1 },
  },
  allOf: [
    { oneOf: [{ required: ['uri'] }, { required: ['uris'] }] },
    atMostOne('host', 'hosts'),
    atMostOne('remote_addr', 'remote_addrs'),
  ],
  anyOf: [
    { required: ['plugins', 'uri'] },
    { required: ['upstream', 'uri'] },
    { required: ['upstream_id', 'uri'] },
    { required: ['service_id', 'uri'] },
    { required: ['plugins', 'uris'] },
    { required: ['upstream', 'uris'] },
    { required: ['upstream_id', 'uris'] },
    { required: ['service_id', 'uris'] },
    { required: ['script', 'uri'] },
    { required: ['script', 'uris'] },
  ],
  not: { anyOf: [{ required: ['script', 'plugins'] }, { required: ['script', 'plugin_config_id'] }] },
  additionalProperties: false,
};

export const serviceSchema: JsonSchema = {
  type: 'object',
  properties: {
    ...metaProps(),
    plugins: pluginsSchema,
    upstream: upstreamSchema,
    upstream_id: idSchema,
    script: scriptDef,
    enable_websocket: { type: 'boolean' },
    hosts: hostsDef,
  },
  additionalProperties: false,
};
