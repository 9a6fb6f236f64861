import { definePlugin } from '@portico/plugin-helpers';
import type { Logger } from '@portico/plugin-sdk';
import {
  Backlog,
  BatchProcessor,
  buildLogEntry,
  loggerRequestHooks,
  MAX_PENDING_ENTRIES_DEFAULT,
  maxPendingEntries,
  planWithMetadata,
  prepareLogEntry,
  withDefaults,
  type LogEntry,
  type LogEntryPlan,
} from '../log-util/index.js';
import { HTTP_LOGGER, httpLoggerDefinition, httpLoggerProperties, type HttpLoggerConf } from './schema.js';
import { HttpLogSender } from './sender.js';

/** Prepared state of one http-logger conf: entry plan, sender and its batch processor. */
export interface HttpLoggerState {
  readonly plan: LogEntryPlan;
  readonly sender: HttpLogSender;
  readonly processor: BatchProcessor<LogEntry>;
  readonly logger: Logger;
}

// Shared by every conf of this plugin in the process, as APISIX's batch_processor_manager is.
let backlog: Backlog | undefined;

/** http-logger: POSTs batches of APISIX log entries to an HTTP(S) collector (apisix/plugins/http-logger.lua). */
export const httpLogger = definePlugin<HttpLoggerConf, HttpLoggerState>(httpLoggerDefinition, {
  prepare(rawConf, env) {
    const conf = withDefaults(rawConf, httpLoggerProperties);
    const logger = env.services.logger;
    backlog ??= new Backlog(MAX_PENDING_ENTRIES_DEFAULT, logger);
    const sender = new HttpLogSender(conf);
    return {
      plan: prepareLogEntry(conf, logger),
      sender,
      processor: new BatchProcessor<LogEntry>(conf, sender.send, logger, backlog),
      logger,
    };
  },

  destroy(state) {
    // Flush what is buffered, then drop the connection pool; never throws.
    state.processor
      .close()
      .then(() => state.sender.close())
      .catch((err: Error) => state.logger.error({ err: err.message }, 'http-logger: failed to close'));
  },

  ...loggerRequestHooks<HttpLoggerState>(HTTP_LOGGER),

  log(ctx, state) {
    try {
      const meta = ctx.pluginMetadata?.(HTTP_LOGGER);
      const entry = buildLogEntry(ctx, planWithMetadata(state.plan, meta));
      if (!entry) return;
      if (entry['route_id'] === undefined) entry['route_id'] = 'no-matched';
      // batch-processor-manager.lua reads max_pending_entries from the metadata on every push.
      if (backlog) backlog.limit = maxPendingEntries(meta);
      state.processor.push(entry);
    } catch (err) {
      ctx.logger.error({ err: (err as Error).message }, 'http-logger: failed to build log entry');
    }
  },
});

/** Reset the process-wide backlog (tests only). */
export function resetHttpLoggerBacklog(): void {
  backlog = undefined;
}
