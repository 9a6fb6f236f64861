/**
 * hmac-auth definition (apisix/plugins/hmac-auth.lua, APISIX 3.18): schemas, priority and type
 * only. The runtime lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { anonymousConsumerSchema, realmSchema } from '../auth-util/realm.js';

export const HMAC_ALGORITHMS = ['hmac-sha1', 'hmac-sha256', 'hmac-sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

/** Route/service conf of hmac-auth. */
export interface HmacAuthConf {
  allowed_algorithms: HmacAlgorithm[];
  clock_skew: number;
  signed_headers: string[];
  validate_request_body: boolean;
  max_req_body_size: number;
  hide_credentials: boolean;
  realm: string;
  anonymous_consumer?: string;
}

/** Consumer/credential conf of hmac-auth. */
export interface HmacAuthConsumerConf {
  key_id: string;
  secret_key: string;
}

export const hmacAuthDefinition: PluginDefinition<HmacAuthConf | HmacAuthConsumerConf> = {
  name: 'hmac-auth',
  version: 0.1,
  priority: 2530,
  type: 'auth',
  schema: {
    type: 'object',
    title: 'work with route or service object',
    properties: {
      allowed_algorithms: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', enum: [...HMAC_ALGORITHMS] },
        default: [...HMAC_ALGORITHMS],
      },
      clock_skew: { type: 'integer', default: 300, minimum: 1 },
      signed_headers: {
        type: 'array',
        default: ['date'],
        items: { type: 'string', minLength: 1, maxLength: 50 },
      },
      validate_request_body: {
        type: 'boolean',
        description: 'A boolean value telling the plugin to enable body validation',
        default: false,
      },
      max_req_body_size: {
        type: 'integer',
        minimum: 1,
        default: 67108864,
        description:
          'maximum request body size in bytes the plugin reads into memory to validate the digest when ' +
          'validate_request_body is true; larger requests are rejected with 413. Prevents unbounded memory ' +
          'buffering of large bodies.',
      },
      hide_credentials: { type: 'boolean', default: false },
      realm: realmSchema('hmac'),
      anonymous_consumer: anonymousConsumerSchema,
    },
  },
  consumerSchema: {
    type: 'object',
    title: 'work with consumer object',
    properties: {
      key_id: { type: 'string', minLength: 1, maxLength: 256 },
      secret_key: { type: 'string', minLength: 1, maxLength: 256 },
    },
    encrypt_fields: ['secret_key'],
    required: ['key_id', 'secret_key'],
  },
  encryptFields: ['secret_key'],
};
