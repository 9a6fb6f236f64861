import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import type { BatchConf } from '../log-util/batch-processor.js';
import type { LogEntryConf } from '../log-util/entry.js';
import { checkLogExprs } from '../log-util/expr.js';
import { batchProcessorProperties, logEntryProperties, maxPendingEntriesProperty } from '../log-util/schema.js';

export const HTTP_LOGGER = 'http-logger';

/** http-logger conf after defaults (apisix/plugins/http-logger.lua `schema`). */
export interface HttpLoggerConf extends LogEntryConf, BatchConf {
  uri: string;
  auth_header?: string;
  timeout: number;
  concat_method: 'json' | 'new_line';
  ssl_verify: boolean;
}

/** Top-level properties, batch fields included (batch-processor-manager.lua wrap_schema). */
export const httpLoggerProperties: Record<string, JsonSchema> = {
  // core.schema.uri_def: a string matching APISIX's URI pattern.
  uri: { type: 'string', pattern: '^[^\\/]+:\\/\\/([\\da-zA-Z.-]+|\\[[\\da-fA-F:]+\\])(:\\d+)?' },
  auth_header: { type: 'string' },
  timeout: { type: 'integer', minimum: 1, default: 3 },
  ...logEntryProperties(),
  concat_method: { type: 'string', default: 'json', enum: ['json', 'new_line'] },
  ssl_verify: { type: 'boolean', default: false },
  ...batchProcessorProperties('http logger'),
};

/** The route/service conf schema. */
export const httpLoggerSchema: JsonSchema = {
  type: 'object',
  properties: httpLoggerProperties,
  required: ['uri'],
};

/** plugin_metadata schema (http-logger.lua `metadata_schema`, wrapped with max_pending_entries). */
export const httpLoggerMetadataSchema: JsonSchema = {
  type: 'object',
  properties: {
    log_format_extra: { type: 'object' },
    log_format: { type: 'object' },
    max_pending_entries: maxPendingEntriesProperty(),
  },
};

/** Schema-only definition of http-logger (apisix/plugins/http-logger.lua): what the Admin API validates with. */
export const httpLoggerDefinition: PluginDefinition<HttpLoggerConf> = {
  name: HTTP_LOGGER,
  priority: 410,
  version: 0.1,
  schema: httpLoggerSchema,
  metadataSchema: httpLoggerMetadataSchema,
  encryptFields: ['auth_header'],

  check(conf, schemaType) {
    if (schemaType === 'metadata') return undefined;
    return checkLogExprs(conf);
  },
};
