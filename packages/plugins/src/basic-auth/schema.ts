/**
 * basic-auth definition (apisix/plugins/basic-auth.lua): schemas, priority and type only.
 * The runtime (rewrite hook) lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { anonymousConsumerSchema, realmSchema } from '../auth-util/realm.js';

/** Route/service conf of basic-auth. */
export interface BasicAuthConf {
  hide_credentials: boolean;
  realm: string;
  anonymous_consumer?: string;
}

/** Consumer/credential conf of basic-auth. */
export interface BasicAuthConsumerConf {
  username: string;
  password: string;
}

export const basicAuthDefinition: PluginDefinition<BasicAuthConf | BasicAuthConsumerConf> = {
  name: 'basic-auth',
  version: 0.1,
  priority: 2520,
  type: 'auth',
  schema: {
    type: 'object',
    title: 'work with route or service object',
    properties: {
      hide_credentials: { type: 'boolean', default: false },
      realm: realmSchema('basic'),
      anonymous_consumer: anonymousConsumerSchema,
    },
  },
  consumerSchema: {
    type: 'object',
    title: 'work with consumer object',
    properties: {
      username: { type: 'string' },
      password: { type: 'string' },
    },
    encrypt_fields: ['password'],
    required: ['username', 'password'],
  },
  encryptFields: ['password'],
};
