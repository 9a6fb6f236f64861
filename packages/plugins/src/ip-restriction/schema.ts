/**
 * ip-restriction definition (apisix/plugins/ip-restriction/init.lua): schema, priority and the
 * address check the schema cannot express. The runtime (access hook) lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { compileIpList, ipDef } from '@portico/schemas';

export interface IpRestrictionConf {
  message: string;
  response_code: number;
  whitelist?: string[];
  blacklist?: string[];
}

/**
 * core.ip.validate_cidr_or_ip over a list: `invalid ip address: <entry>` (the whole entry, mask
 * included) for the first one lua-resty-ipmatcher cannot parse, e.g. `::1/129`.
 */
export function checkIpEntries(list: readonly string[] | undefined): string | undefined {
  if (list === undefined) return undefined;
  for (const entry of list) {
    if (typeof compileIpList([entry]) === 'string') return `invalid ip address: ${entry}`;
  }
  return undefined;
}

const ipList = { type: 'array', items: { anyOf: ipDef }, minItems: 1 };

export const ipRestrictionDefinition: PluginDefinition<IpRestrictionConf> = {
  name: 'ip-restriction',
  version: 0.1,
  priority: 3000,
  schema: {
    type: 'object',
    properties: {
      message: { type: 'string', minLength: 1, maxLength: 1024, default: 'Your IP address is not allowed' },
      response_code: { type: 'integer', minimum: 403, maximum: 404, default: 403 },
      whitelist: ipList,
      blacklist: ipList,
    },
    oneOf: [{ required: ['whitelist'] }, { required: ['blacklist'] }],
  },
  check(conf) {
    return checkIpEntries(conf.whitelist) ?? checkIpEntries(conf.blacklist);
  },
};
