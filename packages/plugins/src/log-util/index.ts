export { BatchProcessor, Backlog, type BatchConf, type BatchResult, type BatchSender } from './batch-processor.js';
export {
  buildLogEntry,
  captureResponseHead,
  prepareLogEntry,
  readRequestBodyForLog,
  requestBody,
  SERVER_VERSION,
  type FullLogEntry,
  type LogEntry,
  type LogEntryConf,
  type LogEntryPlan,
} from './entry.js';
export { checkLogExprs, compileExpr, exprError, ExprError, type CompiledExpr } from './expr.js';
export { loggerRequestHooks, type LoggerRequestHooks } from './hooks.js';
export { maxPendingEntries, planWithMetadata, type LoggerMetadata } from './metadata.js';
export { compileLogFormat, resolveLogFormat, MAX_LOG_FORMAT_DEPTH, type CompiledFormat } from './log-format.js';
export {
  REDACTED,
  SECRET_MARKERS,
  authSources,
  isSecretHeader,
  isSecretQueryArg,
  parseQueryRedacted,
  redactHeaders,
  redactRawQuery,
  redactUrl,
  type AuthSources,
} from './redact.js';
export {
  batchProcessorProperties,
  logEntryProperties,
  maxPendingEntriesProperty,
  withDefaults,
  MAX_BODY_BYTES_DEFAULT,
  MAX_PENDING_ENTRIES_DEFAULT,
} from './schema.js';
