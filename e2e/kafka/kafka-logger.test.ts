import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEtcd,
  startKafka,
  startMockLlm,
  startPortico,
  type EtcdProcess,
  type KafkaProcess,
  type MockLlm,
  type PorticoApps,
} from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';
import { MATH_MESSAGES, postJson, putAndWait } from '../ai/support.js';
import { Admin } from '@platformatic/kafka';
import { crc32 } from 'node:zlib';
import { readTopic, type TopicReader } from './consumer.js';

// kafka-logger against a real single-node Kafka broker (KRaft, jars from Maven Central).

const PROVIDER_KEY = 'sk-e2e-kafka-provider-key';

let etcd: EtcdProcess;
let kafka: KafkaProcess;
let mock: MockLlm;
let apps: PorticoApps;
let dpUrl: string;
const readers = new Map<string, TopicReader>();

function aiRoute(uri: string, kafkaLogger: Record<string, unknown>): Record<string, unknown> {
  return {
    uri,
    methods: ['POST'],
    plugins: {
      'ai-proxy': {
        provider: 'openai',
        auth: { header: { Authorization: `Bearer ${PROVIDER_KEY}` } },
        options: { model: 'gpt-4' },
        override: { endpoint: mock.url },
        logging: { summaries: true, payloads: true },
      },
      'kafka-logger': { brokers: [{ host: '127.0.0.1', port: kafka.port }], ...kafkaLogger },
    },
  };
}

async function reader(topic: string): Promise<TopicReader> {
  const r = await readTopic(kafka.bootstrap, topic);
  readers.set(topic, r);
  return r;
}

beforeAll(async () => {
  [etcd, kafka, mock] = await Promise.all([startEtcd(), startKafka(), startMockLlm({ apiKey: PROVIDER_KEY })]);
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  dpUrl = apps.dataPlanes[0]!.url;
}, 180_000);
afterAll(async () => {
  for (const r of readers.values()) await r.close();
  await apps?.stop();
  await mock?.close();
  await kafka?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('kafka-logger', () => {
  it('rejects a conf without brokers with APISIX 400 body', async () => {
    const res = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', {
      uri: '/bad',
      plugins: { 'kafka-logger': { kafka_topic: 'test', key: 'key1' } },
      upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } },
    });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      error_msg:
        'failed to check the configuration of plugin kafka-logger err: value should match only one schema, but matches none',
    });
  });

  it('stores every broker SASL password encrypted in etcd and shows it decrypted through the Admin API', async () => {
    const conf = {
      brokers: [
        { host: '127.0.0.1', port: kafka.port, sasl_config: { user: 'a', password: 'sasl-secret-1' } },
        { host: 'localhost', port: kafka.port, sasl_config: { user: 'b', password: 'sasl-secret-2' } },
      ],
      kafka_topic: 'never-used',
    };
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/sasl', {
      uri: '/sasl',
      plugins: { 'kafka-logger': conf },
      upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } },
    });
    expect(put.status).toBe(201);
    const res = await fetch(`${etcd.endpoint}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from('/apisix/routes/sasl').toString('base64') }),
    });
    const kv = ((await res.json()) as { kvs: Array<{ value: string }> }).kvs[0]!;
    const stored = Buffer.from(kv.value, 'base64').toString('utf8');
    expect(stored).not.toContain('sasl-secret');
    const get = await adminRequest(apps, 'GET', '/apisix/admin/routes/sasl');
    const brokers = (
      get.json() as { value: { plugins: { 'kafka-logger': { brokers: Array<{ sasl_config: { password: string } }> } } } }
    ).value.plugins['kafka-logger'].brokers;
    expect(brokers.map((b) => b.sasl_config.password)).toEqual(['sasl-secret-1', 'sasl-secret-2']);
    await adminRequest(apps, 'DELETE', '/apisix/admin/routes/sasl');
  });

  it('sends one message per request (batch_max_size 1) with the key, the APISIX entry and the llm fields', async () => {
    const topic = 'e2e-default';
    await putAndWait(
      apps,
      '/apisix/admin/routes/default',
      aiRoute('/default', { kafka_topic: topic, key: 'key1', batch_max_size: 1 }),
      { uri: '/default' },
    );
    const r = await reader(topic);
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`${dpUrl}/default?i=${i}`, { messages: MATH_MESSAGES });
      expect(res.status).toBe(200);
    }
    // The probe requests of putAndWait (empty bodies, answered 400) are logged too: keep the chats.
    const chats = (): Array<{ key: string | undefined; entry: Record<string, unknown> }> =>
      r.messages
        .map((m) => ({ key: m.key, entry: JSON.parse(m.value) as Record<string, unknown> }))
        .filter((m) => (m.entry['request'] as { uri: string }).uri.startsWith('/default?i='));
    await eventually(async () => expect(chats()).toHaveLength(3), 15_000);
    const all = chats();
    // One message per request (order across produce requests is not guaranteed once one is retried).
    expect(all.map((m) => (m.entry['request'] as { uri: string }).uri).sort()).toEqual([
      '/default?i=0',
      '/default?i=1',
      '/default?i=2',
    ]);
    for (const m of all) {
      expect(m.key).toBe('key1');
      expect(m.entry).toMatchObject({
        route_id: 'default',
        request: { method: 'POST' },
        response: { status: 200 },
        llm_summary: { model: 'gpt-4', prompt_tokens: 23, completion_tokens: 8 },
        llm_request: { messages: MATH_MESSAGES, stream: false },
        llm_response_text: { content: '1+1 equals 2.' },
      });
      // The provider key travels only to the provider, never into the log.
      expect(JSON.stringify(m.entry)).not.toContain(PROVIDER_KEY);
    }
  });

  it('puts keyed messages on the partition lua-resty-kafka picks: crc32(key) % partitions', async () => {
    const topic = 'e2e-partitions';
    const admin = new Admin({ clientId: 'portico-e2e-admin', bootstrapBrokers: [kafka.bootstrap] });
    try {
      await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
    } finally {
      await admin.close();
    }
    await putAndWait(
      apps,
      '/apisix/admin/routes/parts',
      aiRoute('/parts', { kafka_topic: topic, key: 'key1', batch_max_size: 1, producer_type: 'sync' }),
      { uri: '/parts' },
    );
    const r = await reader(topic);
    const msgs = await r.waitFor(1);
    expect(crc32('key1') % 3).toBe(1);
    expect(msgs.map((m) => m.partition)).toEqual(msgs.map(() => 1));
  });

  it('batches entries as one JSON array message per batch_max_size', async () => {
    const topic = 'e2e-batched';
    await putAndWait(
      apps,
      '/apisix/admin/routes/batched',
      aiRoute('/batched', { kafka_topic: topic, batch_max_size: 2, inactive_timeout: 1 }),
      { uri: '/batched' },
    );
    const r = await reader(topic);
    await r.waitFor(1); // the probe's entry, flushed after inactive_timeout
    const before = r.messages.length;
    await Promise.all([0, 1].map((i) => postJson(`${dpUrl}/batched?n=${i}`, { messages: MATH_MESSAGES })));
    const msgs = await r.waitFor(before + 1);
    const batch = JSON.parse(msgs[before]!.value) as Array<{ request: { uri: string } }>;
    expect(batch.map((e) => e.request.uri).sort()).toEqual(['/batched?n=0', '/batched?n=1']);
    expect(msgs[before]!.key).toBeUndefined();
  });

  it('meta_format origin sends the raw request: request line, headers, blank line and the body', async () => {
    const topic = 'e2e-origin';
    await putAndWait(
      apps,
      '/apisix/admin/routes/origin',
      aiRoute('/origin', {
        kafka_topic: topic,
        meta_format: 'origin',
        include_req_body: true,
        batch_max_size: 1,
        producer_type: 'sync',
      }),
      { uri: '/origin' },
    );
    const r = await reader(topic);
    const body = JSON.stringify({ messages: MATH_MESSAGES });
    const res = await fetch(`${dpUrl}/origin?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trace': 'abc', authorization: 'Bearer client-secret' },
      body,
    });
    expect(res.status).toBe(200);
    await res.text();
    const msg = await eventually(async () => {
      const m = r.messages.find((x) => x.value.startsWith('POST /origin?x=1 HTTP/1.1\r\n'));
      expect(m).toBeDefined();
      return m!;
    }, 15_000);
    const [head, sent] = msg.value.split('\r\n\r\n');
    const lines = head!.split('\r\n');
    expect(lines[0]).toBe('POST /origin?x=1 HTTP/1.1');
    expect(lines).toContain('x-trace: abc');
    expect(lines).toContain('content-type: application/json');
    expect(lines).toContain('authorization: [REDACTED]');
    expect(sent).toBe(body);
  });

  it('uses the plugin metadata log_format when the route sets none', async () => {
    const topic = 'e2e-metadata';
    const meta = await adminRequest(apps, 'PUT', '/apisix/admin/plugin_metadata/kafka-logger', {
      log_format: { host: '$host', method: '$request_method', uri: '$uri' },
    });
    expect(meta.status).toBe(201);
    await putAndWait(apps, '/apisix/admin/routes/meta', aiRoute('/meta', { kafka_topic: topic, batch_max_size: 1 }), {
      uri: '/meta',
    });
    const r = await reader(topic);
    const entry = await eventually(async () => {
      const res = await postJson(`${dpUrl}/meta`, { messages: MATH_MESSAGES });
      expect(res.status).toBe(200);
      const m = await eventually(async () => {
        const found = r.messages.map((x) => JSON.parse(x.value) as Record<string, unknown>).find((e) => e['llm_summary']);
        expect(found).toBeDefined();
        return found!;
      }, 5000);
      expect(Object.keys(m).sort()).toEqual([
        'host',
        'llm_request',
        'llm_response_text',
        'llm_summary',
        'method',
        'route_id',
        'uri',
      ]);
      return m;
    }, 20_000);
    expect(entry).toMatchObject({ host: '127.0.0.1', method: 'POST', uri: '/meta', route_id: 'meta' });
    // A meta_format origin route keeps sending the raw request: the metadata format is for entries.
    const origin = readers.get('e2e-origin')!;
    const res = await postJson(`${dpUrl}/origin?with=metadata`, { messages: MATH_MESSAGES });
    expect(res.status).toBe(200);
    await eventually(
      async () => expect(origin.messages.some((m) => m.value.startsWith('POST /origin?with=metadata HTTP/1.1\r\n'))).toBe(true),
      15_000,
    );
    await adminRequest(apps, 'DELETE', '/apisix/admin/plugin_metadata/kafka-logger');
  });
});

describe('kafka-logger on a service and a global rule', () => {
  it('logs requests of a route through its service, and every request through a global rule', async () => {
    const brokers = [{ host: '127.0.0.1', port: kafka.port }];
    const svc = await adminRequest(apps, 'PUT', '/apisix/admin/services/kafka-svc', {
      plugins: { 'kafka-logger': { brokers, kafka_topic: 'e2e-service', batch_max_size: 1, producer_type: 'sync' } },
    });
    expect(svc.status).toBe(201);
    const route = aiRoute('/via-service', { kafka_topic: 'e2e-unused' });
    delete (route['plugins'] as Record<string, unknown>)['kafka-logger'];
    await putAndWait(apps, '/apisix/admin/routes/via-service', { ...route, service_id: 'kafka-svc' }, { uri: '/via-service' });
    const global = await adminRequest(apps, 'PUT', '/apisix/admin/global_rules/kafka-global', {
      plugins: { 'kafka-logger': { brokers, kafka_topic: 'e2e-global', batch_max_size: 1, producer_type: 'sync' } },
    });
    expect(global.status).toBe(201);
    try {
      const uris = (r: TopicReader): string[] =>
        r.messages.map((m) => (JSON.parse(m.value) as { request: { uri: string } }).request.uri);
      await eventually(async () => {
        const res = await postJson(`${dpUrl}/via-service?n=1`, { messages: MATH_MESSAGES });
        expect(res.status).toBe(200);
        const svcReader = readers.get('e2e-service') ?? (await reader('e2e-service'));
        const globalReader = readers.get('e2e-global') ?? (await reader('e2e-global'));
        await eventually(async () => {
          expect(uris(svcReader)).toContain('/via-service?n=1');
          expect(uris(globalReader)).toContain('/via-service?n=1');
        }, 5000);
      }, 30_000);
      const entry = readers
        .get('e2e-service')!
        .messages.map((m) => JSON.parse(m.value) as Record<string, unknown>)
        .find((e) => (e['request'] as { uri: string }).uri === '/via-service?n=1')!;
      expect(entry).toMatchObject({ route_id: 'via-service', service_id: 'kafka-svc', llm_summary: { model: 'gpt-4' } });
    } finally {
      await adminRequest(apps, 'DELETE', '/apisix/admin/global_rules/kafka-global');
    }
  });
});
