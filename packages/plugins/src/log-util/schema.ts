import type { JsonSchema } from '@portico/plugin-sdk';

/** Default cap on logged request/response bodies (apisix/utils/log-util.lua MAX_REQ_BODY). */
export const MAX_BODY_BYTES_DEFAULT = 524288;

/**
 * Properties every APISIX logger shares (log_format, body inclusion), as declared
 * in apisix/plugins/http-logger.lua and file-logger.lua. Returned fresh so a plugin
 * may extend its own copy.
 */
export function logEntryProperties(): Record<string, JsonSchema> {
  return {
    log_format: { type: 'object' },
    log_format_extra: { type: 'object' },
    include_req_body: { type: 'boolean', default: false },
    include_req_body_expr: { type: 'array', minItems: 1, items: { type: 'array' } },
    include_resp_body: { type: 'boolean', default: false },
    include_resp_body_expr: { type: 'array', minItems: 1, items: { type: 'array' } },
    max_req_body_bytes: { type: 'integer', minimum: 1, default: MAX_BODY_BYTES_DEFAULT },
    max_resp_body_bytes: { type: 'integer', minimum: 1, default: MAX_BODY_BYTES_DEFAULT },
  };
}

/** Batch processor fields and defaults (apisix/utils/batch-processor.lua `schema`). */
export function batchProcessorProperties(nameDefault: string): Record<string, JsonSchema> {
  return {
    name: { type: 'string', default: nameDefault },
    max_retry_count: { type: 'integer', minimum: 0, default: 0 },
    retry_delay: { type: 'integer', minimum: 0, default: 1 },
    buffer_duration: { type: 'integer', minimum: 1, default: 60 },
    inactive_timeout: { type: 'integer', minimum: 1, default: 5 },
    batch_max_size: { type: 'integer', minimum: 1, default: 1000 },
  };
}

/** Backlog cap shared by all processors of one plugin (batch-processor-manager.lua). */
export const MAX_PENDING_ENTRIES_DEFAULT = 8192;

/** Metadata property APISIX adds to every batch-processor logger (wrap_metadata_schema). */
export function maxPendingEntriesProperty(): JsonSchema {
  return { type: 'integer', minimum: 1, default: MAX_PENDING_ENTRIES_DEFAULT };
}

/**
 * Fill `default`s of top-level properties the caller left unset. The data plane hands
 * validated confs with defaults applied; this keeps prepare() correct when a conf comes
 * from elsewhere (tests, older revisions) and runs once per revision, never per request.
 */
export function withDefaults<T extends object>(conf: T, properties: Record<string, JsonSchema>): T {
  const out = { ...conf } as Record<string, unknown>;
  for (const [key, prop] of Object.entries(properties)) {
    if (out[key] === undefined && prop['default'] !== undefined) out[key] = prop['default'];
  }
  return out as T;
}
