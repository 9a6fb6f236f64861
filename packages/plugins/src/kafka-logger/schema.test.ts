import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { kafkaLoggerDefinition } from './schema.js';

const BROKERS = [{ host: '127.0.0.1', port: 9092 }];

describe('kafkaLoggerDefinition', () => {
  it('applies the defaults of apisix/plugins/kafka-logger.lua and its batch processor', () => {
    const conf: Record<string, unknown> = { brokers: BROKERS, kafka_topic: 'test2' };
    expect(checkPluginConf(kafkaLoggerDefinition, conf, 'route')).toBeUndefined();
    expect(conf).toEqual({
      brokers: BROKERS,
      kafka_topic: 'test2',
      meta_format: 'default',
      producer_type: 'async',
      required_acks: 1,
      timeout: 3,
      include_req_body: false,
      include_resp_body: false,
      max_req_body_bytes: 524288,
      max_resp_body_bytes: 524288,
      cluster_name: 1,
      producer_batch_num: 200,
      producer_batch_size: 1048576,
      producer_max_buffering: 50000,
      producer_time_linger: 1,
      meta_refresh_interval: 30,
      api_version: 1,
      name: 'kafka logger',
      max_retry_count: 0,
      retry_delay: 1,
      buffer_duration: 60,
      inactive_timeout: 5,
      batch_max_size: 1000,
    });
  });

  it('defaults a SASL mechanism to PLAIN and requires user and password', () => {
    const conf: Record<string, unknown> = {
      brokers: [{ host: 'k', port: 9092, sasl_config: { user: 'u', password: 'p' } }],
      kafka_topic: 't',
    };
    expect(checkPluginConf(kafkaLoggerDefinition, conf, 'route')).toBeUndefined();
    expect((conf['brokers'] as Array<{ sasl_config: unknown }>)[0]!.sasl_config).toEqual({
      mechanism: 'PLAIN',
      user: 'u',
      password: 'p',
    });
    expect(
      checkPluginConf(
        kafkaLoggerDefinition,
        { brokers: [{ host: 'k', port: 9092, sasl_config: { user: 'u' } }], kafka_topic: 't' },
        'route',
      ),
    ).toBe(
      'property "brokers" validation failed: failed to validate item 1: property "sasl_config" validation failed: property "password" is required',
    );
  });

  it('rejects what APISIX rejects, with its messages (t/plugin/kafka-logger.t)', () => {
    // TEST 2: neither broker_list nor brokers
    expect(checkPluginConf(kafkaLoggerDefinition, { kafka_topic: 'test', key: 'key1' }, 'route')).toBe(
      'value should match only one schema, but matches none',
    );
    // TEST 3: timeout as a string
    expect(
      checkPluginConf(
        kafkaLoggerDefinition,
        { broker_list: { '127.0.0.1': 3 }, kafka_topic: 'test', key: 'key1', timeout: '10' },
        'route',
      ),
    ).toBe('property "timeout" validation failed: wrong type: expected integer, got string');
    // api_version outside 0..2
    expect(checkPluginConf(kafkaLoggerDefinition, { brokers: BROKERS, kafka_topic: 't', api_version: 3 }, 'route')).toBe(
      'property "api_version" validation failed: matches none of the enum values',
    );
    expect(checkPluginConf(kafkaLoggerDefinition, { brokers: BROKERS, kafka_topic: 't', meta_format: 'raw' }, 'route')).toBe(
      'property "meta_format" validation failed: matches none of the enum values',
    );
    expect(checkPluginConf(kafkaLoggerDefinition, { brokers: BROKERS, kafka_topic: 't', required_acks: 0 }, 'route')).toBe(
      'property "required_acks" validation failed: matches none of the enum values',
    );
    expect(checkPluginConf(kafkaLoggerDefinition, { brokers: [{ host: 'k', port: 0 }], kafka_topic: 't' }, 'route')).toBe(
      'property "brokers" validation failed: failed to validate item 1: property "port" validation failed: expected 0 to be at least 1',
    );
    // both broker forms match both oneOf branches
    expect(
      checkPluginConf(kafkaLoggerDefinition, { brokers: BROKERS, broker_list: { k: 9092 }, kafka_topic: 't' }, 'route'),
    ).toBe('value should match only one schema, but matches both schemas 1 and 2');
  });

  it('validates include_req_body_expr with the lua-resty-expr rules', () => {
    expect(
      checkPluginConf(
        kafkaLoggerDefinition,
        { brokers: BROKERS, kafka_topic: 't', include_req_body_expr: [['arg_name', 'invalid', 'x']] },
        'route',
      ),
    ).toMatch(/^failed to validate the 'include_req_body_expr' expression: /);
  });

  it('has APISIX metadata schema, priority 403 and encrypt_fields', () => {
    const meta: Record<string, unknown> = { log_format: { host: '$host' } };
    expect(checkPluginConf(kafkaLoggerDefinition, meta, 'metadata')).toBeUndefined();
    expect(meta).toEqual({ log_format: { host: '$host' }, max_pending_entries: 8192 });
    expect(kafkaLoggerDefinition.priority).toBe(403);
    expect(kafkaLoggerDefinition.version).toBe(0.1);
    expect(kafkaLoggerDefinition.encryptFields).toEqual(['brokers.sasl_config.password']);
  });
});
