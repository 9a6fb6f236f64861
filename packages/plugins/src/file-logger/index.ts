import { resolve } from 'node:path';
import { definePlugin, type Logger } from '@portico/plugin-sdk';
import {
  buildLogEntry,
  captureResponseHead,
  checkLogExprs,
  exprError,
  planWithMetadata,
  prepareLogEntry,
  readRequestBodyForLog,
  withDefaults,
  type LogEntryPlan,
} from '../log-util/index.js';
import { fileLoggerMetadataSchema, fileLoggerProperties, fileLoggerSchema, type FileLoggerConf } from './schema.js';
import { acquireSink, releaseSink, type FileSink } from './sink.js';

export { reopenFileLoggers } from './sink.js';

/** Prepared state of one file-logger conf. */
export interface FileLoggerState {
  readonly plan: LogEntryPlan;
  readonly sink: FileSink;
  readonly logger: Logger;
}

const NAME = 'file-logger';

/** file-logger: appends one JSON line per request to a file (apisix/plugins/file-logger.lua). */
export const fileLogger = definePlugin<FileLoggerConf, FileLoggerState>({
  name: NAME,
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

  prepare(rawConf, env) {
    const conf = withDefaults(rawConf, fileLoggerProperties);
    const logger = env.services.logger;
    // Relative paths resolve against the prefix, as io.open does under APISIX's prefix dir.
    const path = resolve(env.services.prefixDir, conf.path ?? 'logs/file.log');
    return { plan: prepareLogEntry(conf, logger), sink: acquireSink(path, logger), logger };
  },

  destroy(state) {
    releaseSink(state.sink).catch((err: Error) => state.logger.error({ err: err.message }, 'file-logger: failed to close'));
  },

  access(ctx, state) {
    // Stay synchronous (no promise per request) unless this request's plan logs request bodies.
    const plan = planWithMetadata(state.plan, ctx.pluginMetadata?.(NAME));
    return plan.mayNeedBody ? readRequestBodyForLog(ctx, plan) : undefined;
  },

  headerFilter(ctx, _state, res) {
    captureResponseHead(ctx, res);
  },

  log(ctx, state) {
    try {
      const entry = buildLogEntry(ctx, planWithMetadata(state.plan, ctx.pluginMetadata?.(NAME)));
      if (entry) state.sink.write(`${JSON.stringify(entry)}\n`);
    } catch (err) {
      ctx.logger.error({ err: (err as Error).message }, 'file-logger: failed to build log entry');
    }
  },
});
