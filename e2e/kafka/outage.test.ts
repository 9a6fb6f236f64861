import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startKafka, startPortico, type EtcdProcess, type KafkaProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, type Upstream } from '../helpers.js';
import { readTopic, type TopicReader } from './consumer.js';

// The Kafka broker goes away while requests flow through a kafka-logger route: clients never
// notice, each failed batch is logged once per attempt and retried every retry_delay, and what
// the broker took before the outage and everything logged during and after it arrives.

const TOPIC = 'e2e-outage';
const TIMEOUT_S = 3; // kafka-logger `timeout` (its default): the most a send may take
const RETRY_DELAY_S = 1;
const BATCH_FAILED = 'Batch Processor[kafka logger] failed to process entries';

let etcd: EtcdProcess;
let kafka: KafkaProcess;
let apps: PorticoApps;
let echo: Upstream;
let reader: TopicReader | undefined;

interface LogLine {
  level?: number | string;
  time?: number | string;
  msg?: string;
  error?: string;
}

function dataPlaneLog(): LogLine[] {
  const out: LogLine[] = [];
  for (const dp of apps.dataPlanes) {
    for (const line of readFileSync(dp.process.logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogLine);
      } catch {
        // a line cut by the reader: ignore
      }
    }
  }
  return out;
}

/** Send `n` requests tagged `<tag><i>`, `concurrency` at a time; returns each one's latency (ms). */
async function traffic(tag: string, n: number, concurrency = 5): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      const res = await fetch(`${apps.dataPlanes[0]!.url}/outage?id=${tag}${i}`, { signal: AbortSignal.timeout(10_000) });
      await res.text();
      latencies.push(performance.now() - t0);
      expect(res.status, `request ${tag}${i}`).toBe(200);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return latencies;
}

const ids = (tag: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}`);

function delivered(r: TopicReader): string[] {
  const out: string[] = [];
  for (const m of r.messages) {
    for (const e of JSON.parse(m.value) as Array<{ request: { querystring: { id?: string } } }>) {
      if (e.request.querystring.id) out.push(e.request.querystring.id);
    }
  }
  return out;
}

beforeAll(async () => {
  [etcd, kafka, echo] = await Promise.all([startEtcd(), startKafka(), startEchoUpstream('echo')]);
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
}, 180_000);
afterAll(async () => {
  await reader?.close();
  await apps?.stop();
  await echo?.close();
  await kafka?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('kafka-logger during a broker outage', () => {
  it('keeps serving, logs each failed batch once, retries it, and delivers every entry after recovery', async () => {
    const route = await adminRequest(apps, 'PUT', '/apisix/admin/routes/outage', {
      uri: '/outage',
      plugins: {
        'kafka-logger': {
          brokers: [{ host: '127.0.0.1', port: kafka.port }],
          kafka_topic: TOPIC,
          timeout: TIMEOUT_S,
          batch_max_size: 50,
          inactive_timeout: 1,
          buffer_duration: 2,
          max_retry_count: 120,
          retry_delay: RETRY_DELAY_S,
        },
      },
      upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
    });
    expect(route.status).toBe(201);
    await eventually(async () => {
      const res = await fetch(`${apps.dataPlanes[0]!.url}/outage`);
      await res.text();
      expect(res.status).toBe(200);
    });

    // Before: the broker takes the first entries.
    reader = await readTopic(kafka.bootstrap, TOPIC);
    const before = await traffic('a', 20);
    await eventually(async () => expect(delivered(reader!)).toEqual(expect.arrayContaining(ids('a', 20))), 20_000);
    await reader.close();
    reader = undefined;
    const baseline = Math.max(...before);

    // Outage: the broker stops; requests keep flowing for a few seconds.
    await kafka.stop();
    const outageStart = Date.now();
    const WAVES = 4;
    const during: number[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      during.push(...(await traffic(`w${wave}-`, 10)));
      await new Promise((r) => setTimeout(r, 1200));
    }
    await kafka.start();
    const outageEnd = Date.now();

    // After: requests still flow, and the retried batches reach the broker.
    const after = await traffic('c', 20);
    reader = await readTopic(kafka.bootstrap, TOPIC);
    const expected = [...ids('a', 20), ...Array.from({ length: WAVES }, (_, w) => ids(`w${w}-`, 10)).flat(), ...ids('c', 20)];
    await eventually(async () => expect(delivered(reader!)).toEqual(expect.arrayContaining(expected)), 60_000, 200);
    const recovered = Date.now();
    const window = dataPlaneLog().filter((l) => Number(l.time) >= outageStart);
    const failed = window.filter((l) => l.msg === BATCH_FAILED);
    // The client's own connection errors never reach the log: one line per failed batch attempt only.
    const isError = (l: LogLine): boolean => l.level === 50 || l.level === 'error';
    expect(failed.every(isError)).toBe(true);
    expect(window.filter((l) => isError(l) && l.msg !== BATCH_FAILED)).toEqual([]);

    // No client request failed (traffic asserts 200) or slowed by more than the batch timeout.
    const slowest = Math.max(...during, ...after);
    console.log(
      `kafka outage: ${outageEnd - outageStart} ms; slowest request before ${baseline.toFixed(1)} ms, during/after ${slowest.toFixed(1)} ms; ` +
        `${failed.length} failed-batch log lines until all ${expected.length} entries arrived ${recovered - outageEnd} ms after the restart`,
    );
    expect(slowest).toBeLessThan(baseline + TIMEOUT_S * 1000);

    // Failed batches were logged (with APISIX's wording), once per attempt and batch — never per
    // entry: each wave of 10 requests is one batch (batch_max_size 50, inactive_timeout 1), and a
    // batch fails at most once per retry_delay while the broker is away.
    expect(failed.length).toBeGreaterThan(0);
    for (const l of failed)
      expect(l.error).toMatch(/^failed to send data to Kafka topic: .+, brokers: \[\{"host":"127\.0\.0\.1","port":\d+\}\]$/);
    const failingSeconds = (recovered - outageStart) / 1000;
    expect(failed.length).toBeLessThanOrEqual(WAVES * (Math.ceil(failingSeconds / RETRY_DELAY_S) + 1));
    // Nothing was dropped: every failed batch was retried until the broker came back.
    expect(dataPlaneLog().filter((l) => typeof l.msg === 'string' && l.msg.includes('exceeded the max_retry_count'))).toEqual([]);
  }, 180_000);
});
