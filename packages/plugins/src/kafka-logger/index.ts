/**
 * kafka-logger runtime (apisix/plugins/kafka-logger.lua): each request's log entry (the full
 * APISIX entry with the AI fields, a custom log_format, or the raw request with
 * `meta_format: "origin"`) goes through a batch processor to a Kafka topic.
 */
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
import { buildOriginEntry } from './origin.js';
import { KafkaSender } from './producer.js';
import { KAFKA_LOGGER, kafkaLoggerDefinition, kafkaLoggerProperties, type KafkaLoggerConf } from './schema.js';

/** Prepared state of one kafka-logger conf revision. */
export interface KafkaLoggerState {
  /**
   * The entry plan; with `meta_format: "origin"`, one that only decides whether the body is
   * kept, marked as having its own format so plugin metadata never changes it.
   */
  readonly plan: LogEntryPlan;
  readonly origin: boolean;
  readonly sender: KafkaSender;
  readonly processor: BatchProcessor<LogEntry | string>;
  readonly logger: Logger;
}

// Shared by every conf of this plugin in the process, as APISIX's batch_processor_manager is.
let backlog: Backlog | undefined;

export const kafkaLogger = definePlugin<KafkaLoggerConf, KafkaLoggerState>(kafkaLoggerDefinition, {
  prepare(rawConf, env) {
    const conf = withDefaults(rawConf, kafkaLoggerProperties);
    const logger = env.services.logger;
    backlog ??= new Backlog(MAX_PENDING_ENTRIES_DEFAULT, logger);
    const sender = new KafkaSender(conf);
    const origin = conf.meta_format === 'origin';
    const plan = origin
      ? {
          ...prepareLogEntry({
            include_req_body: conf.include_req_body,
            include_req_body_expr: conf.include_req_body_expr,
            max_req_body_bytes: conf.max_req_body_bytes,
          }),
          ownFormat: true,
        }
      : prepareLogEntry(conf, logger);
    return {
      plan,
      origin,
      sender,
      processor: new BatchProcessor<LogEntry | string>(conf, sender.send, logger, backlog),
      logger,
    };
  },

  destroy(state) {
    // Flush what is buffered, then close the producer; never throws.
    state.processor
      .close()
      .then(() => state.sender.close())
      .catch((err: Error) => state.logger.error({ err: err.message }, 'kafka-logger: failed to close'));
  },

  // access reads the body when this request's plan logs it; the origin plan ignores metadata.
  ...loggerRequestHooks<KafkaLoggerState>(KAFKA_LOGGER),

  log(ctx, state) {
    try {
      const meta = ctx.pluginMetadata?.(KAFKA_LOGGER);
      const entry = state.origin ? buildOriginEntry(ctx, state.plan) : buildLogEntry(ctx, planWithMetadata(state.plan, meta));
      if (entry === undefined) return;
      // batch-processor-manager.lua reads max_pending_entries from the metadata on every push.
      if (backlog) backlog.limit = maxPendingEntries(meta);
      state.processor.push(entry);
    } catch (err) {
      ctx.logger.error({ err: (err as Error).message }, 'kafka-logger: failed to build log entry');
    }
  },
});

/** Reset the process-wide backlog (tests only). */
export function resetKafkaLoggerBacklog(): void {
  backlog = undefined;
}
