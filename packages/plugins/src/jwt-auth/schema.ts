/**
 * jwt-auth definition (apisix/plugins/jwt-auth.lua, APISIX 3.18): schemas, priority, type and
 * the consumer conf check. The runtime lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { isSecretRef } from '@portico/schemas';
import { decodeBase64 } from '../auth-util/base64.js';
import { anonymousConsumerSchema, realmSchema } from '../auth-util/realm.js';

/** Route/service conf of jwt-auth. */
export interface JwtAuthConf {
  header: string;
  query: string;
  cookie: string;
  hide_credentials: boolean;
  key_claim_name: string;
  store_in_ctx: boolean;
  realm: string;
  anonymous_consumer?: string;
  claims_to_verify?: ('exp' | 'nbf')[];
}

export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Consumer/credential conf of jwt-auth. */
export interface JwtAuthConsumerConf {
  key: string;
  secret?: string;
  public_key?: string;
  algorithm: JwtAlgorithm;
  exp: number;
  base64_secret: boolean;
  lifetime_grace_period: number;
}

function checkConsumer(conf: JwtAuthConsumerConf): string | undefined {
  const isHs = conf.algorithm.startsWith('HS');
  if (isHs && conf.secret === undefined) return 'property "secret" is required when using HS based algorithms';
  if (
    conf.base64_secret &&
    typeof conf.secret === 'string' &&
    !isSecretRef(conf.secret) &&
    decodeBase64(conf.secret) === undefined
  ) {
    return 'base64_secret required but the secret is not in base64 format';
  }
  if (!isHs && conf.public_key === undefined) return 'missing valid public key';
  return undefined;
}

export const jwtAuthDefinition: PluginDefinition<JwtAuthConf | JwtAuthConsumerConf> = {
  name: 'jwt-auth',
  version: 0.1,
  priority: 2510,
  type: 'auth',
  schema: {
    type: 'object',
    properties: {
      header: { type: 'string', default: 'authorization' },
      query: { type: 'string', default: 'jwt' },
      cookie: { type: 'string', default: 'jwt' },
      hide_credentials: { type: 'boolean', default: false },
      key_claim_name: { type: 'string', default: 'key', minLength: 1 },
      store_in_ctx: { type: 'boolean', default: false },
      realm: realmSchema('jwt'),
      anonymous_consumer: anonymousConsumerSchema,
      claims_to_verify: {
        type: 'array',
        items: { type: 'string', enum: ['exp', 'nbf'] },
        uniqueItems: true,
      },
    },
  },
  consumerSchema: {
    type: 'object',
    properties: {
      key: { type: 'string', minLength: 1 },
      secret: { type: 'string', minLength: 1 },
      algorithm: { type: 'string', enum: [...JWT_ALGORITHMS], default: 'HS256' },
      exp: { type: 'integer', minimum: 1, default: 86400 },
      base64_secret: { type: 'boolean', default: false },
      lifetime_grace_period: { type: 'integer', minimum: 0, default: 0 },
    },
    dependencies: {
      algorithm: {
        oneOf: [
          { properties: { algorithm: { enum: ['HS256', 'HS384', 'HS512'], default: 'HS256' } } },
          {
            properties: {
              public_key: { type: 'string', minLength: 1 },
              algorithm: { enum: JWT_ALGORITHMS.filter((a) => !a.startsWith('HS')) },
            },
            required: ['public_key'],
          },
        ],
      },
    },
    encrypt_fields: ['secret'],
    required: ['key'],
  },
  encryptFields: ['secret'],
  check(conf, schemaType) {
    return schemaType === 'consumer' ? checkConsumer(conf as JwtAuthConsumerConf) : undefined;
  },
};
