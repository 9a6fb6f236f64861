import { resolve } from 'node:path';
import { definePlugin } from '@portico/plugin-helpers';
import type { Logger } from '@portico/plugin-sdk';
import {
  buildLogEntry,
  loggerRequestHooks,
  planWithMetadata,
  prepareLogEntry,
  withDefaults,
  type LogEntryPlan,
} from '../log-util/index.js';
import { FILE_LOGGER, fileLoggerDefinition, fileLoggerProperties, type FileLoggerConf } from './schema.js';
import { acquireSink, releaseSink, type FileSink } from './sink.js';

export { reopenFileLoggers } from './sink.js';

/** Prepared state of one file-logger conf. */
export interface FileLoggerState {
  readonly plan: LogEntryPlan;
  readonly sink: FileSink;
  readonly logger: Logger;
}

/** file-logger: appends one JSON line per request to a file (apisix/plugins/file-logger.lua). */
export const fileLogger = definePlugin<FileLoggerConf, FileLoggerState>(fileLoggerDefinition, {
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

  ...loggerRequestHooks<FileLoggerState>(FILE_LOGGER),

  log(ctx, state) {
    try {
      const entry = buildLogEntry(ctx, planWithMetadata(state.plan, ctx.pluginMetadata?.(FILE_LOGGER)));
      if (entry) state.sink.write(`${JSON.stringify(entry)}\n`);
    } catch (err) {
      ctx.logger.error({ err: (err as Error).message }, 'file-logger: failed to build log entry');
    }
  },
});
