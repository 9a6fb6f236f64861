import type { JsonSchema } from '@portico/plugin-sdk';
import { logEntryProperties, type LogEntryConf } from '../log-util/index.js';

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
