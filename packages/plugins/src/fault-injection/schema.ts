/**
 * fault-injection definition (apisix/plugins/fault-injection.lua, APISIX 3.18): schema,
 * priority 11000 and the `vars` checks. The runtime (rewrite hook) lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { exprError } from '@portico/schemas';

export interface FaultInjectionConf {
  abort?: {
    http_status: number;
    body?: string;
    headers?: Record<string, string | number>;
    percentage?: number;
    vars?: unknown[][];
  };
  delay?: {
    duration: number;
    percentage?: number;
    vars?: unknown[][];
  };
}

const varsSchema = { type: 'array', maxItems: 20, items: { type: 'array' } };

export const faultInjectionSchema = {
  type: 'object',
  properties: {
    abort: {
      type: 'object',
      properties: {
        http_status: { type: 'integer', minimum: 200 },
        body: { type: 'string', minLength: 0 },
        headers: {
          type: 'object',
          minProperties: 1,
          patternProperties: { '^[^:]+$': { oneOf: [{ type: 'string' }, { type: 'number' }] } },
        },
        percentage: { type: 'integer', minimum: 0, maximum: 100 },
        vars: varsSchema,
      },
      required: ['http_status'],
    },
    delay: {
      type: 'object',
      properties: {
        duration: { type: 'number', minimum: 0 },
        percentage: { type: 'integer', minimum: 0, maximum: 100 },
        vars: varsSchema,
      },
      required: ['duration'],
    },
  },
  minProperties: 1,
};

/** check_schema tail: every `vars` entry must compile (lua-resty-expr's message, unprefixed). */
function checkVarsList(list: unknown[] | undefined): string | undefined {
  if (list === undefined) return undefined;
  for (const v of list) {
    const err = exprError(v);
    if (err !== undefined) return err;
  }
  return undefined;
}

export const faultInjectionDefinition: PluginDefinition<FaultInjectionConf> = {
  name: 'fault-injection',
  version: 0.1,
  priority: 11000,
  schema: faultInjectionSchema,
  check(conf) {
    return checkVarsList(conf.abort?.vars) ?? checkVarsList(conf.delay?.vars);
  },
};
