/**
 * real-ip definition (apisix/plugins/real-ip.lua): schema, priority and the address check.
 * The runtime (rewrite hook) lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { ipDef } from '@portico/schemas';
import { checkIpEntries } from '../ip-restriction/schema.js';

export interface RealIpConf {
  trusted_addresses?: string[];
  source: string;
  recursive: boolean;
}

export const realIpDefinition: PluginDefinition<RealIpConf> = {
  name: 'real-ip',
  version: 0.1,
  priority: 23000,
  schema: {
    type: 'object',
    properties: {
      trusted_addresses: { type: 'array', items: { anyOf: ipDef }, minItems: 1 },
      source: { type: 'string', minLength: 1 },
      recursive: { type: 'boolean', default: false },
    },
    required: ['source'],
  },
  check(conf) {
    return checkIpEntries(conf.trusted_addresses);
  },
};
