/**
 * ua-restriction definition (apisix/plugins/ua-restriction.lua): schema, priority and the
 * regex check. The runtime (access hook) lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { compilePcre } from './pcre.js';

export interface UaRestrictionConf {
  bypass_missing: boolean;
  allowlist?: string[];
  denylist?: string[];
  message: string;
}

const patternList = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };

function firstBadPattern(list: readonly string[] | undefined): string | undefined {
  if (list === undefined) return undefined;
  for (const p of list) {
    const r = compilePcre(p);
    if (typeof r === 'string') return r;
  }
  return undefined;
}

export const uaRestrictionDefinition: PluginDefinition<UaRestrictionConf> = {
  name: 'ua-restriction',
  version: 0.1,
  priority: 2999,
  schema: {
    type: 'object',
    properties: {
      bypass_missing: { type: 'boolean', default: false },
      allowlist: patternList,
      denylist: patternList,
      message: { type: 'string', minLength: 1, maxLength: 1024, default: 'Not allowed' },
    },
    oneOf: [{ required: ['allowlist'] }, { required: ['denylist'] }],
  },
  check(conf) {
    return firstBadPattern(conf.allowlist) ?? firstBadPattern(conf.denylist);
  },
};
