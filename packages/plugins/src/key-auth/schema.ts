/**
 * key-auth definition (apisix/plugins/key-auth.lua): schemas, priority and type only.
 * The runtime (rewrite hook) lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';

/** Route/service conf of key-auth. */
export interface KeyAuthConf {
  header: string;
  query: string;
  realm: string;
  hide_credentials: boolean;
  anonymous_consumer?: string;
}

/** Consumer/credential conf of key-auth. */
export interface KeyAuthConsumerConf {
  key: string;
}

export const keyAuthDefinition: PluginDefinition<KeyAuthConf | KeyAuthConsumerConf> = {
  name: 'key-auth',
  version: 0.1,
  priority: 2500,
  type: 'auth',
  schema: {
    type: 'object',
    properties: {
      header: { type: 'string', default: 'apikey' },
      query: { type: 'string', default: 'apikey' },
      // apisix/schema_def.lua get_realm_schema: printable ASCII except `"` and `\`.
      realm: { type: 'string', pattern: '^[ -!#-[\\]-~]+$', default: 'key', minLength: 1, maxLength: 128 },
      hide_credentials: { type: 'boolean', default: false },
      anonymous_consumer: { type: 'string', minLength: 1 },
    },
  },
  consumerSchema: {
    type: 'object',
    properties: { key: { type: 'string' } },
    // Shown by GET /apisix/admin/plugins/key-auth?schema_type=consumer, as in APISIX.
    encrypt_fields: ['key'],
    required: ['key'],
  },
  encryptFields: ['key'],
};
