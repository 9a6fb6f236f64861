/**
 * Plugin configuration checks as APISIX does them (apisix/plugin.lua check_single_plugin_schema
 * and each plugin's check_schema): JSON schema (defaults applied in place), then def.check.
 */
import type { JsonSchema, PluginDefinition, SchemaType } from '@portico/plugin-sdk';
import { injectMeta } from './meta.js';
import { compileSchema } from './validator/compile.js';
import { exprError } from './vars.js';

/** Schema a metadata check uses when the plugin declares none (apisix/admin/plugin_metadata.lua). */
const EMPTY_METADATA_SCHEMA: JsonSchema = { type: 'object', properties: {} };

/** The schema a conf of `schemaType` is validated against (route schemas carry `_meta`). */
export function pluginSchemaFor(def: PluginDefinition, schemaType: SchemaType): JsonSchema {
  if (schemaType === 'consumer') return def.consumerSchema ?? injectMeta(def.schema);
  if (schemaType === 'metadata') return def.metadataSchema ?? EMPTY_METADATA_SCHEMA;
  return injectMeta(def.schema);
}

/**
 * Validate a plugin conf IN PLACE (defaults are written into it; pass a copy when they must
 * not persist). Returns the raw error (e.g. `property "key" is required`) or undefined.
 * Validators are compiled once per schema object, so this is cheap on config sync.
 */
export function checkPluginConf(def: PluginDefinition, conf: unknown, schemaType: SchemaType): string | undefined {
  const err = compileSchema(pluginSchemaFor(def, schemaType))(conf);
  if (err !== undefined) return def.schemaError ? def.schemaError(conf, err, schemaType) : err;
  return def.check ? def.check(conf, schemaType) : undefined;
}

function isDisabled(conf: Record<string, unknown>): boolean {
  const meta = conf._meta;
  return typeof meta === 'object' && meta !== null && (meta as Record<string, unknown>).disable === true;
}

/**
 * Check a whole `plugins` map with APISIX's messages: `invalid plugin conf <json> for plugin [x]`,
 * `unknown plugin [x]`, `failed to check the configuration of plugin x err: <msg>`, and the
 * `_meta.filter` expression. A plugin disabled through `_meta.disable` is accepted even when its
 * check fails (apisix/plugin.lua). Mutates the confs (defaults).
 */
export function checkPlugins(
  plugins: Record<string, unknown>,
  lookup: (name: string) => PluginDefinition | undefined,
  schemaType: SchemaType,
): string | undefined {
  for (const [name, conf] of Object.entries(plugins)) {
    if (typeof conf !== 'object' || conf === null) {
      return `invalid plugin conf ${JSON.stringify(conf)} for plugin [${name}]`;
    }
    const def = lookup(name);
    if (!def) return `unknown plugin [${name}]`;
    const c = conf as Record<string, unknown>;
    const err = checkPluginConf(def, c, schemaType);
    if (err !== undefined && !isDisabled(c)) return `failed to check the configuration of plugin ${name} err: ${err}`;
    const meta = c._meta as Record<string, unknown> | undefined;
    if (meta && typeof meta === 'object' && meta.filter !== undefined) {
      const ferr = exprError(meta.filter);
      if (ferr !== undefined) return `failed to validate the 'vars' expression: ${ferr}`;
    }
  }
  return undefined;
}
