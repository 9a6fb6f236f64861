import { freePort } from '@portico/testkit';
import { describe, expect, it } from 'vitest';
import { brokerAddresses, encodeBatch, KafkaSender, producerOptions, restyKafkaPartitioner } from './producer.js';
import type { KafkaLoggerConf } from './schema.js';

const CONF: KafkaLoggerConf = {
  meta_format: 'default',
  brokers: [{ host: '10.0.0.1', port: 9092, sasl_config: { mechanism: 'SCRAM-SHA-256', user: 'u', password: 'p' } }],
  broker_list: { 'kafka-b': 9093 },
  kafka_topic: 't',
  producer_type: 'sync',
  required_acks: -1,
  timeout: 5,
  cluster_name: 2,
  producer_batch_num: 200,
  producer_batch_size: 1048576,
  producer_max_buffering: 50000,
  producer_time_linger: 1,
  meta_refresh_interval: 30,
  api_version: 1,
  name: 'kafka logger',
  batch_max_size: 1000,
  inactive_timeout: 5,
  buffer_duration: 60,
  max_retry_count: 0,
  retry_delay: 1,
};

describe('kafka-logger producer', () => {
  it('encodes a size-1 batch as its entry (strings as is) and larger batches as a JSON array', () => {
    expect(encodeBatch([{ a: 1 }], 1)).toBe('{"a":1}');
    expect(encodeBatch(['GET / HTTP/1.1\r\n\r\n'], 1)).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(encodeBatch([{ a: 1 }, { b: 2 }], 2)).toBe('[{"a":1},{"b":2}]');
    expect(encodeBatch(['x'], 10)).toBe('["x"]');
  });

  it('partitions like lua-resty-kafka: CRC32 of the key, else a rotating counter', () => {
    const p = restyKafkaPartitioner();
    // crc32("key1") = 0x2C5C6450 (IEEE polynomial, as ngx.crc32_short)
    expect(p({}, Buffer.from('key1'))).toBe(0x2c5c6450);
    expect(p({}, Buffer.from('key1')) % 3).toBe(0x2c5c6450 % 3);
    const a = p({}, undefined);
    expect(p({}, undefined)).toBe(a + 1);
  });

  it('merges brokers with the deprecated broker_list', () => {
    expect(brokerAddresses(CONF)).toEqual([
      { host: '10.0.0.1', port: 9092 },
      { host: 'kafka-b', port: 9093 },
    ]);
  });

  it('maps timeout, required_acks, meta_refresh_interval, tls and SASL onto the client', () => {
    const o = producerOptions({ ...CONF, tls: { verify: true } });
    expect(o).toMatchObject({
      timeout: 5000,
      connectTimeout: 5000,
      requestTimeout: 5000,
      acks: -1,
      metadataMaxAge: 30000,
      autocreateTopics: true,
      idempotent: false,
      tls: { rejectUnauthorized: true },
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' },
      clientId: 'portico-kafka-logger-2',
    });
    expect(producerOptions({ ...CONF, brokers: [{ host: 'h', port: 1 }] })).not.toHaveProperty('sasl');
    expect(producerOptions(CONF)).not.toHaveProperty('tls');
    // `tls: {}` means TLS without verification (verify defaults to false).
    expect(producerOptions({ ...CONF, tls: {} as { verify: boolean } }).tls).toEqual({ rejectUnauthorized: false });
  });

  it('fails a batch with APISIX wording, the broker addresses and no SASL secret when no broker answers', async () => {
    const port = await freePort(); // nothing listens there
    for (const producer_type of ['sync', 'async'] as const) {
      const sender = new KafkaSender({
        ...CONF,
        producer_type,
        broker_list: undefined,
        brokers: [{ host: '127.0.0.1', port, sasl_config: { mechanism: 'PLAIN', user: 'u', password: 'sasl-pw-secret' } }],
        timeout: 1,
      });
      try {
        const t0 = Date.now();
        const res = await sender.send([{ a: 1 }], 1);
        expect(res.ok).toBe(false);
        const error = res.ok ? '' : res.error;
        expect(error).toMatch(/^failed to send data to Kafka topic: .+, brokers: \[\{"host":"127\.0\.0\.1","port":\d+\}\]$/);
        expect(error).not.toContain('sasl-pw-secret');
        // Connection refused fails within the client's few quick retries (+ the 1 s linger in async mode).
        expect(Date.now() - t0).toBeLessThan(5000);
      } finally {
        await sender.close();
      }
    }
  });
});
