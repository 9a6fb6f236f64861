/**
 * kafka-logger definition (apisix/plugins/kafka-logger.lua): schemas, priority, version and
 * check only — no I/O. The runtime (producer, hooks) lives in ./index.ts.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import type { BatchConf } from '../log-util/batch-processor.js';
import type { LogEntryConf } from '../log-util/entry.js';
import { checkLogExprs } from '../log-util/expr.js';
import { batchProcessorProperties, MAX_BODY_BYTES_DEFAULT, maxPendingEntriesProperty } from '../log-util/schema.js';

export const KAFKA_LOGGER = 'kafka-logger';

/** One broker of `brokers`. */
export interface KafkaBroker {
  host: string;
  port: number;
  sasl_config?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; user: string; password: string };
}

/** kafka-logger conf after defaults (kafka-logger.lua `schema`, wrapped by batch-processor-manager). */
export interface KafkaLoggerConf extends LogEntryConf, BatchConf {
  meta_format: 'default' | 'origin';
  /** Deprecated in APISIX (use `brokers`): host → port. */
  broker_list?: Record<string, number>;
  brokers?: KafkaBroker[];
  tls?: { verify: boolean };
  kafka_topic: string;
  producer_type: 'async' | 'sync';
  required_acks: 1 | -1;
  key?: string;
  timeout: number;
  cluster_name: number;
  producer_batch_num: number;
  producer_batch_size: number;
  producer_max_buffering: number;
  producer_time_linger: number;
  meta_refresh_interval: number;
  api_version: 0 | 1 | 2;
}

/** Top-level properties in kafka-logger.lua's order, batch fields included. */
export const kafkaLoggerProperties: Record<string, JsonSchema> = {
  meta_format: { type: 'string', default: 'default', enum: ['default', 'origin'] },
  log_format: { type: 'object' },
  log_format_extra: { type: 'object' },
  broker_list: {
    type: 'object',
    minProperties: 1,
    patternProperties: {
      '.*': { description: 'the port of kafka broker', type: 'integer', minimum: 1, maximum: 65535 },
    },
  },
  brokers: {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      properties: {
        host: { type: 'string', description: 'the host of kafka broker' },
        port: { type: 'integer', minimum: 1, maximum: 65535, description: 'the port of kafka broker' },
        sasl_config: {
          type: 'object',
          description: 'sasl config',
          properties: {
            mechanism: { type: 'string', default: 'PLAIN', enum: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] },
            user: { type: 'string', description: 'user' },
            password: { type: 'string', description: 'password' },
          },
          required: ['user', 'password'],
        },
      },
      required: ['host', 'port'],
    },
    uniqueItems: true,
  },
  tls: {
    type: 'object',
    description: 'tls config for connecting to kafka brokers',
    properties: { verify: { type: 'boolean', default: false } },
  },
  kafka_topic: { type: 'string' },
  producer_type: { type: 'string', default: 'async', enum: ['async', 'sync'] },
  required_acks: { type: 'integer', default: 1, enum: [1, -1] },
  key: { type: 'string' },
  timeout: { type: 'integer', minimum: 1, default: 3 },
  include_req_body: { type: 'boolean', default: false },
  include_req_body_expr: { type: 'array', minItems: 1, items: { type: 'array' } },
  include_resp_body: { type: 'boolean', default: false },
  include_resp_body_expr: { type: 'array', minItems: 1, items: { type: 'array' } },
  max_req_body_bytes: { type: 'integer', minimum: 1, default: MAX_BODY_BYTES_DEFAULT },
  max_resp_body_bytes: { type: 'integer', minimum: 1, default: MAX_BODY_BYTES_DEFAULT },
  // lua-resty-kafka names producer instances by a number.
  cluster_name: { type: 'integer', minimum: 1, default: 1 },
  // lua-resty-kafka's producer settings, with its defaults.
  producer_batch_num: { type: 'integer', minimum: 1, default: 200 },
  producer_batch_size: { type: 'integer', minimum: 0, default: 1048576 },
  producer_max_buffering: { type: 'integer', minimum: 1, default: 50000 },
  producer_time_linger: { type: 'integer', minimum: 1, default: 1 },
  meta_refresh_interval: { type: 'integer', minimum: 1, default: 30 },
  api_version: { type: 'integer', default: 1, enum: [0, 1, 2] },
  ...batchProcessorProperties('kafka logger'),
};

/** The route/service/global-rule conf schema. */
export const kafkaLoggerSchema: JsonSchema = {
  type: 'object',
  properties: kafkaLoggerProperties,
  oneOf: [{ required: ['broker_list', 'kafka_topic'] }, { required: ['brokers', 'kafka_topic'] }],
  encrypt_fields: ['brokers.sasl_config.password'],
};

/** plugin_metadata schema (kafka-logger.lua `metadata_schema`, wrapped with max_pending_entries). */
export const kafkaLoggerMetadataSchema: JsonSchema = {
  type: 'object',
  properties: {
    log_format_extra: { type: 'object' },
    log_format: { type: 'object' },
    max_pending_entries: maxPendingEntriesProperty(),
  },
};

export const kafkaLoggerDefinition: PluginDefinition<KafkaLoggerConf> = {
  name: KAFKA_LOGGER,
  priority: 403,
  version: 0.1,
  schema: kafkaLoggerSchema,
  metadataSchema: kafkaLoggerMetadataSchema,
  encryptFields: ['brokers.sasl_config.password'],
  check(conf, schemaType) {
    if (schemaType === 'metadata') return undefined;
    // kafka-logger.lua check_schema tail: log_util.check_log_schema (the tls.verify
    // check only logs a warning in APISIX).
    return checkLogExprs(conf);
  },
};
