import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import type { LogEntryConf } from '../log-util/entry.js';
import { checkLogExprs, exprError } from '../log-util/expr.js';
import { logEntryProperties } from '../log-util/schema.js';

export const FILE_LOGGER = 'file-logger';

/** file-logger conf after defaults (apisix/plugins/file-logger.lua `schema`). */
export interface FileLoggerConf extends LogEntryConf {
  path?: string;
}

/** Top-level properties. `path` is not `required` in APISIX; check() enforces it. */
export const fileLoggerProperties: Record<string, JsonSchema> = {
  path: { type: 'string' },
  ...logEntryProperties(),
  match: { type: 'array', maxItems: 20, items: { type: 'array' } },
};

/** The route/service conf schema. */
export const fileLoggerSchema: JsonSchema = { type: 'object', properties: fileLoggerProperties };

/** plugin_metadata schema (file-logger.lua `metadata_schema`); log_format / log_format_extra are read, path is not (see docs). */
export const fileLoggerMetadataSchema: JsonSchema = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    log_format: { type: 'object' },
    log_format_extra: { type: 'object' },
  },
};

/** Schema-only definition of file-logger (apisix/plugins/file-logger.lua): what the Admin API validates with. */
export const fileLoggerDefinition: PluginDefinition<FileLoggerConf> = {
  name: FILE_LOGGER,
  priority: 399,
  version: 0.1,
  schema: fileLoggerSchema,
  metadataSchema: fileLoggerMetadataSchema,

  check(conf, schemaType) {
    if (schemaType === 'metadata') return undefined;
    if (conf.match !== undefined) {
      const err = exprError(conf.match);
      if (err) return `failed to validate the 'match' expression: ${err}`;
      for (const m of conf.match) {
        const inner = exprError(m);
        if (inner) return `failed to validate the 'match' expression: ${inner}`;
      }
    }
    const exprErr = checkLogExprs(conf);
    if (exprErr) return exprErr;
    // APISIX falls back to plugin_metadata.path here; a check cannot see metadata in Portico
    // (PluginDefinition.check has no metadata access), so path is required (docs/compatibility.md).
    if (conf.path === undefined) return 'property "path" is not set in either the plugin conf or the metadata';
    return undefined;
  },
};
