/**
 * Shared building blocks of APISIX's resource schemas (apisix/schema_def.lua, 3.18).
 * Plain JSON-schema objects; reused by identity so compiled validators are shared.
 */
import type { JsonSchema } from '@portico/plugin-sdk';

/** Any plugins map: per-plugin schemas are checked separately. */
export const pluginsSchema: JsonSchema = { type: 'object' };

/** Resource id: string 1–64 `^[a-zA-Z0-9-_.]+$` or integer ≥ 1. */
export const idSchema: JsonSchema = {
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-_.]+$' },
    { type: 'integer', minimum: 1 },
  ],
};

export const hostDefPattern = '^\\*$|^\\*?[0-9a-zA-Z-._\\[\\]:]+$';
export const hostDef: JsonSchema = { type: 'string', pattern: hostDefPattern };

const ipv4Seg = '([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])';
const ipv4Def = [ipv4Seg, ipv4Seg, ipv4Seg, ipv4Seg].join('\\.');
const ipv6Def = '([a-fA-F0-9]{0,4}:){1,8}(:[a-fA-F0-9]{0,4}){0,8}([a-fA-F0-9]{0,4})?';
export const ipDef: JsonSchema[] = [
  { title: 'IPv4', type: 'string', format: 'ipv4' },
  { title: 'IPv4/CIDR', type: 'string', pattern: `^${ipv4Def}/([12]?[0-9]|3[0-2])$` },
  { title: 'IPv6', type: 'string', format: 'ipv6' },
  { title: 'IPv6/CIDR', type: 'string', pattern: `^${ipv6Def}/[0-9]{1,3}$` },
];

export const timestampDef: JsonSchema = { type: 'integer' };
export const remoteAddrDef: JsonSchema = { description: 'client IP', type: 'string', anyOf: ipDef };

export const labelValueDef: JsonSchema = { type: 'string', pattern: '^\\S+$', maxLength: 256, minLength: 1 };
export const labelsDef: JsonSchema = { type: 'object', patternProperties: { '.*': labelValueDef } };
export const ruleNameDef: JsonSchema = { type: 'string', maxLength: 256, minLength: 1 };
export const descDef: JsonSchema = { type: 'string', maxLength: 256 };

export const timeoutDef: JsonSchema = {
  type: 'object',
  properties: {
    connect: { type: 'number', exclusiveMinimum: 0 },
    send: { type: 'number', exclusiveMinimum: 0 },
    read: { type: 'number', exclusiveMinimum: 0 },
  },
  required: ['connect', 'send', 'read'],
};

export const methodEnum = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'PURGE'];
export const methodSchema: JsonSchema = { type: 'string', enum: methodEnum };

/** The metadata fields every resource carries (id, name, desc, labels, timestamps). */
export function metaProps(opts: { name?: JsonSchema | false } = {}): Record<string, JsonSchema> {
  const props: Record<string, JsonSchema> = { id: idSchema };
  if (opts.name !== false) props.name = opts.name ?? ruleNameDef;
  props.desc = descDef;
  props.labels = labelsDef;
  props.create_time = timestampDef;
  props.update_time = timestampDef;
  return props;
}
