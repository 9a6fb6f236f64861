/**
 * request-id definition (apisix/plugins/request-id.lua 3.18): schema and priority. The
 * runtime (rewrite and header_filter hooks) lives in ./index.ts, the id generators in ./ids.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';

export type RequestIdAlgorithm = 'uuid' | 'nanoid' | 'range_id' | 'ksuid' | 'uuidv7';

export interface RequestIdConf {
  header_name: string;
  include_in_response: boolean;
  algorithm: RequestIdAlgorithm;
  range_id: { length: number; char_set: string };
}

/** APISIX's default range_id alphabet, its typo (a second `G`, no `J`) included. */
export const DEFAULT_CHAR_SET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789';

export const requestIdDefinition: PluginDefinition<RequestIdConf> = {
  name: 'request-id',
  version: 0.1,
  priority: 12015,
  schema: {
    type: 'object',
    properties: {
      header_name: { type: 'string', default: 'X-Request-Id' },
      include_in_response: { type: 'boolean', default: true },
      algorithm: { type: 'string', enum: ['uuid', 'nanoid', 'range_id', 'ksuid', 'uuidv7'], default: 'uuid' },
      range_id: {
        type: 'object',
        properties: {
          length: { type: 'integer', minimum: 6, default: 16 },
          char_set: { type: 'string', minLength: 6, default: DEFAULT_CHAR_SET },
        },
        default: { length: 16, char_set: DEFAULT_CHAR_SET },
      },
    },
  },
};
