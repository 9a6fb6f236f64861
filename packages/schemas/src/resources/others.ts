/** Consumer, credential, plugin_config, global_rule, consumer_group schemas (apisix/schema_def.lua). */
import type { JsonSchema } from '@portico/plugin-sdk';
import { descDef, idSchema, labelsDef, metaProps, pluginsSchema, ruleNameDef, timestampDef } from './common.js';

export const consumerSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: idSchema,
    username: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[a-zA-Z0-9_\\-]+$' },
    desc: descDef,
    labels: labelsDef,
    create_time: timestampDef,
    update_time: timestampDef,
    group_id: idSchema,
    plugins: pluginsSchema,
  },
  required: ['username'],
  additionalProperties: false,
};

export const credentialSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: {
      oneOf: [
        idSchema,
        { type: 'string', minLength: 15, maxLength: 128, pattern: '^[a-zA-Z0-9-_]+/credentials/[a-zA-Z0-9-_.]+$' },
      ],
    },
    name: ruleNameDef,
    desc: descDef,
    labels: labelsDef,
    create_time: timestampDef,
    update_time: timestampDef,
    plugins: { type: 'object', maxProperties: 1 },
  },
  additionalProperties: false,
};

export const globalRuleSchema: JsonSchema = {
  type: 'object',
  properties: { id: idSchema, create_time: timestampDef, update_time: timestampDef, plugins: pluginsSchema },
  required: ['id', 'plugins'],
  additionalProperties: false,
};

export const pluginConfigSchema: JsonSchema = {
  type: 'object',
  properties: { ...metaProps({ name: { type: 'string' } }), plugins: pluginsSchema },
  required: ['id', 'plugins'],
  additionalProperties: false,
};

export const consumerGroupSchema: JsonSchema = {
  type: 'object',
  properties: { ...metaProps(), plugins: pluginsSchema },
  required: ['id', 'plugins'],
  additionalProperties: false,
};

/** The `/apisix/plugins` key: enabled plugin list. */
export const pluginsListSchema: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: { name: { type: 'string', minLength: 1 }, stream: { type: 'boolean' } },
    required: ['name'],
  },
};

/** plugin_metadata id: the plugin name (no core schema; `GET /schema/plugin_metadata` is 400 in APISIX). */
export const pluginMetadataIdSchema: JsonSchema = { type: 'string', minLength: 1, pattern: '^[a-zA-Z0-9-_]+$' };
