import { crc32 } from 'node:zlib';
import { Producer, stringSerializers, type ProducerOptions } from '@platformatic/kafka';
import type { BatchResult } from '../log-util/index.js';
import { LingerBuffer } from './linger.js';
import type { KafkaLoggerConf } from './schema.js';

type StringProducer = Producer<string, string, string, string>;

/** Encode a batch as kafka-logger.lua's batch func: a size-1 batch is its entry, else a JSON array. */
export function encodeBatch(entries: readonly unknown[], batchMaxSize: number): string {
  if (batchMaxSize === 1) {
    const data = entries[0];
    return typeof data === 'string' ? data : JSON.stringify(data);
  }
  return JSON.stringify(entries);
}

/** `brokers` plus the deprecated `broker_list` map, as kafka-logger.lua merges them. */
export function brokerAddresses(conf: Pick<KafkaLoggerConf, 'brokers' | 'broker_list'>): { host: string; port: number }[] {
  const out = (conf.brokers ?? []).map((b) => ({ host: b.host, port: b.port }));
  for (const [host, port] of Object.entries(conf.broker_list ?? {})) out.push({ host, port });
  return out;
}

// lua-resty-kafka's own retry policy under the batch processor: max_retry 3, retry_backoff 100 ms.
const CLIENT_RETRIES = 3;
const CLIENT_RETRY_DELAY_MS = 100;

/**
 * lua-resty-kafka's default partitioner: CRC32 of the key, else a counter, modulo the topic's
 * partition count (the client applies the modulo). Keyed messages land where APISIX puts them.
 */
export function restyKafkaPartitioner(): (message: unknown, key: Buffer | undefined) => number {
  let next = 0;
  return (_message, key) => (key !== undefined && key.length > 0 ? crc32(key) : (next = (next + 1) & 0x7fffffff));
}

/** Client options derived from a conf (kafka-logger.lua broker_config). Pure: no connection is opened. */
export function producerOptions(conf: KafkaLoggerConf): ProducerOptions<string, string, string, string> {
  const ms = conf.timeout * 1000;
  const sasl = conf.brokers?.find((b) => b.sasl_config)?.sasl_config;
  return {
    clientId: `portico-kafka-logger-${conf.cluster_name}`,
    bootstrapBrokers: brokerAddresses(conf),
    timeout: ms,
    connectTimeout: ms,
    requestTimeout: ms,
    retries: CLIENT_RETRIES,
    retryDelay: CLIENT_RETRY_DELAY_MS,
    metadataMaxAge: conf.meta_refresh_interval * 1000,
    autocreateTopics: true,
    acks: conf.required_acks,
    idempotent: false,
    partitioner: restyKafkaPartitioner(),
    serializers: stringSerializers,
    // tls.verify defaults to false (kafka-logger.lua); a conf from elsewhere may lack it.
    ...(conf.tls ? { tls: { rejectUnauthorized: conf.tls.verify === true } } : {}),
    ...(sasl ? { sasl: { mechanism: sasl.mechanism ?? 'PLAIN', username: sasl.user, password: sasl.password } } : {}),
  };
}

function errorText(err: unknown): string {
  const e = err as { message?: string; cause?: unknown; errors?: unknown[] };
  let msg = e?.message ?? String(err);
  const inner = e?.errors?.[0] ?? e?.cause;
  const innerMsg = (inner as { message?: string } | undefined)?.message;
  if (innerMsg && !msg.includes(innerMsg)) msg = `${msg}: ${innerMsg}`;
  return msg;
}

/**
 * One producer per conf revision (kafka-logger.lua keeps one per conf in an lrucache): sends
 * each batch as one message to `kafka_topic` with `key`, through the linger buffer in async mode.
 */
export class KafkaSender {
  private readonly producer: StringProducer;
  private readonly linger: LingerBuffer | undefined;
  /** Broker addresses as logged in errors (never the SASL credentials). */
  private readonly brokersText: string;

  constructor(private readonly conf: KafkaLoggerConf) {
    this.producer = new Producer(producerOptions(conf));
    this.brokersText = JSON.stringify(brokerAddresses(conf));
    this.linger =
      conf.producer_type === 'async'
        ? new LingerBuffer(
            {
              batchNum: conf.producer_batch_num,
              batchSize: conf.producer_batch_size,
              maxBuffering: conf.producer_max_buffering,
              lingerMs: conf.producer_time_linger * 1000,
            },
            (values) => this.produce(values),
          )
        : undefined;
  }

  private async produce(values: readonly string[]): Promise<void> {
    const { kafka_topic: topic, key } = this.conf;
    await this.producer.send({
      messages: values.map((value) => (key === undefined ? { topic, value } : { topic, key, value })),
    });
  }

  /** Deliver one batch; resolves to APISIX's error wording on failure, never throws. */
  send = async (entries: readonly unknown[], batchMaxSize: number): Promise<BatchResult> => {
    let data: string;
    try {
      data = encodeBatch(entries, batchMaxSize);
    } catch (err) {
      return { ok: false, error: `error occurred while encoding the data: ${errorText(err)}` };
    }
    try {
      await (this.linger ? this.linger.add(data) : this.produce([data]));
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `failed to send data to Kafka topic: ${errorText(err)}, brokers: ${this.brokersText}` };
    }
  };

  /** Send what the linger buffer holds and wait for it, then close the client's connections. */
  async close(): Promise<void> {
    await this.linger?.drain();
    await this.producer.close();
  }
}
