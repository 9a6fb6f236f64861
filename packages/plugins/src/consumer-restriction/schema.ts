/**
 * consumer-restriction definition (apisix/plugins/consumer-restriction.lua): schema and
 * priority only. The runtime lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { methodEnum } from '@portico/schemas';

export type RestrictionType = 'consumer_name' | 'service_id' | 'route_id' | 'consumer_group_id';

export interface ConsumerRestrictionConf {
  type: RestrictionType;
  blacklist?: string[];
  whitelist?: string[];
  allowed_by_methods?: { user?: string; methods?: string[] }[];
  rejected_code: number;
  rejected_msg?: string;
}

export const consumerRestrictionDefinition: PluginDefinition<ConsumerRestrictionConf> = {
  name: 'consumer-restriction',
  version: 0.1,
  priority: 2400,
  schema: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        enum: ['consumer_name', 'service_id', 'route_id', 'consumer_group_id'],
        default: 'consumer_name',
      },
      blacklist: { type: 'array', minItems: 1, items: { type: 'string' } },
      whitelist: { type: 'array', minItems: 1, items: { type: 'string' } },
      allowed_by_methods: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            user: { type: 'string' },
            methods: { type: 'array', minItems: 1, items: { description: 'HTTP method', type: 'string', enum: methodEnum } },
          },
        },
      },
      rejected_code: { type: 'integer', minimum: 200, default: 403 },
      rejected_msg: { type: 'string' },
    },
    anyOf: [{ required: ['blacklist'] }, { required: ['whitelist'] }, { required: ['allowed_by_methods'] }],
  },
};
