import type { JsonSchema } from '@portico/plugin-sdk';
import { PROVIDER_NAMES } from '@portico/providers/types';
import { responseLimitProperties } from './response-limits-schema.js';
import { PROTOCOL_NAMES } from '@portico/providers/protocol-names';

// Schema pieces of apisix/plugins/ai-proxy/schema.lua (3.16), shared by ai-proxy and ai-proxy-multi.

const authItemSchema: JsonSchema = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9._-]+$': { type: 'string' } },
};

/**
 * `auth`: sub-keys are declared under patternProperties (unanchored regexes), so any key whose
 * name *contains* "header", "query" or "gcp" validates against that sub-schema. Kept on purpose.
 */
const authSchema: JsonSchema = {
  type: 'object',
  patternProperties: {
    header: authItemSchema,
    query: authItemSchema,
    gcp: {
      type: 'object',
      properties: {
        service_account_json: { type: 'string' },
        max_ttl: { type: 'integer', minimum: 1 },
        expire_early_secs: { type: 'integer', minimum: 0, default: 60 },
      },
    },
    // 3.17+: SigV4 credentials (bedrock).
    aws: {
      type: 'object',
      properties: {
        access_key_id: { type: 'string', minLength: 1 },
        secret_access_key: { type: 'string', minLength: 1 },
        session_token: { type: 'string', minLength: 1 },
      },
      required: ['access_key_id', 'secret_access_key'],
    },
  },
  additionalProperties: false,
};

const modelOptionsSchema: JsonSchema = {
  type: 'object',
  properties: { model: { type: 'string' } },
  additionalProperties: true,
};

const loggingSchema: JsonSchema = {
  type: 'object',
  properties: {
    summaries: { type: 'boolean', default: false },
    payloads: { type: 'boolean', default: false },
  },
};

// --- AI protocols (APISIX 3.18): override.llm_options / request_body, max_req_body_size ---

/** `override.request_body`: one partial body per target protocol, nothing else. */
const requestBodyOverrideSchema: JsonSchema = {
  type: 'object',
  properties: Object.fromEntries(PROTOCOL_NAMES.map((p) => [p, { type: 'object', additionalProperties: true }])),
  additionalProperties: false,
};

const overrideSchema: JsonSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string', minLength: 1 },
    llm_options: {
      type: 'object',
      properties: { max_tokens: { type: 'integer', minimum: 1 } },
      additionalProperties: false,
    },
    request_body: requestBodyOverrideSchema,
    request_body_force_override: { type: 'boolean', default: false },
  },
};

/** Plugin-level `max_req_body_size` (bytes read from the client; larger bodies get 413). */
const maxReqBodySize: JsonSchema = { type: 'integer', minimum: 1, default: 67108864 };
// --- end AI protocols ---
/** 3.17+ `provider_conf`; which fields are required depends on the provider (checked in code). */
const providerConfSchema: JsonSchema = {
  type: 'object',
  properties: {
    project_id: { type: 'string' },
    region: { type: 'string', minLength: 1 },
  },
};

/** Plugin-level transport fields (same in ai-proxy and ai-proxy-multi). */
const transportProperties: Record<string, JsonSchema> = {
  timeout: { type: 'integer', minimum: 1, default: 30000 },
  keepalive: { type: 'boolean', default: true },
  keepalive_timeout: { type: 'integer', minimum: 1000, default: 60000 },
  keepalive_pool: { type: 'integer', minimum: 1, default: 30 },
  ssl_verify: { type: 'boolean', default: true },
  // 3.17–3.18 response caps and SSE flush interval (ai-limits).
  ...responseLimitProperties,
};

/** Building blocks for ai-proxy / ai-proxy-multi schemas. Treat as read-only. */
export const aiSharedSchemas = {
  provider: { type: 'string', enum: [...PROVIDER_NAMES] } as JsonSchema,
  auth: authSchema,
  options: modelOptionsSchema,
  logging: loggingSchema,
  override: overrideSchema,
  maxReqBodySize,
  providerConf: providerConfSchema,
  transportProperties,
} as const;
