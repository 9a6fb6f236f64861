/**
 * `ssls`, `protos` and `stream_routes` (apisix/schema_def.lua `_M.ssl`, `_M.proto`,
 * `_M.stream_route`, 3.18).
 */
import type { JsonSchema } from '@portico/plugin-sdk';
import {
  descDef,
  hostDefPattern,
  idSchema,
  ipDef,
  labelsDef,
  pluginsSchema,
  remoteAddrDef,
  ruleNameDef,
  timestampDef,
} from './common.js';
import { certificateSchema, privateKeySchema, upstreamSchema } from './upstream.js';

export const sslSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: idSchema,
    desc: descDef,
    labels: labelsDef,
    create_time: timestampDef,
    update_time: timestampDef,
    type: {
      description: 'ssl certificate type, server to server certificate, client to client certificate for upstream',
      type: 'string',
      default: 'server',
      enum: ['server', 'client'],
    },
    cert: certificateSchema,
    key: privateKeySchema,
    sni: { type: 'string', pattern: hostDefPattern },
    snis: { type: 'array', items: { type: 'string', pattern: hostDefPattern }, minItems: 1 },
    certs: { type: 'array', items: certificateSchema },
    keys: { type: 'array', items: privateKeySchema },
    client: {
      type: 'object',
      properties: {
        ca: certificateSchema,
        depth: { type: 'integer', minimum: 0, default: 1 },
        skip_mtls_uri_regex: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { description: 'uri regular expression to skip mtls', type: 'string' },
        },
      },
      required: ['ca'],
    },
    status: { description: 'ssl status, 1 to enable, 0 to disable', type: 'integer', enum: [1, 0], default: 1 },
    ssl_protocols: {
      description: 'set ssl protocols',
      type: 'array',
      maxItems: 3,
      uniqueItems: true,
      items: { enum: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] },
    },
  },
  if: { properties: { type: { enum: ['server'] } } },
  then: { oneOf: [{ required: ['sni', 'key', 'cert'] }, { required: ['snis', 'key', 'cert'] }] },
  else: { required: ['key', 'cert'] },
  additionalProperties: false,
};

export const protoSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: idSchema,
    name: ruleNameDef,
    desc: descDef,
    labels: labelsDef,
    create_time: timestampDef,
    update_time: timestampDef,
    content: { type: 'string', minLength: 1, maxLength: 1024 * 1024 },
  },
  required: ['content'],
  additionalProperties: false,
};

const xrpcProtocolSchema: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    superior_id: idSchema,
    conf: { description: 'protocol-specific configuration', type: 'object' },
    logger: {
      type: 'array',
      items: {
        properties: {
          name: { type: 'string' },
          filter: { description: 'logger filter rules', type: 'array' },
          conf: { description: 'logger plugin configuration', type: 'object' },
        },
        dependencies: { name: ['conf'] },
        additionalProperties: false,
      },
    },
  },
  required: ['name'],
};

export const streamRouteSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: idSchema,
    name: ruleNameDef,
    desc: descDef,
    labels: labelsDef,
    create_time: timestampDef,
    update_time: timestampDef,
    remote_addr: remoteAddrDef,
    server_addr: { description: 'server IP', type: 'string', anyOf: ipDef },
    server_port: { description: 'server port', type: 'integer', minimum: 1, maximum: 65535 },
    sni: { description: 'server name indication', type: 'string', pattern: hostDefPattern },
    upstream: upstreamSchema,
    upstream_id: idSchema,
    service_id: idSchema,
    plugins: pluginsSchema,
    protocol: xrpcProtocolSchema,
  },
  additionalProperties: false,
};
