// ai-rate-limiting with policy redis-cluster: two data-plane pods share one token quota
// through a real 3-master Redis Cluster (APISIX's redis_cluster_nodes / redis_cluster_name).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEtcd,
  startMockLlm,
  startPortico,
  startRedisCluster,
  type EtcdProcess,
  type MockLlm,
  type PorticoApps,
  type RedisCluster,
} from '@portico/testkit';
import { dumpLogsOnFailure, eventually } from '../helpers.js';
import { MATH_MESSAGES, postJson, putAndWait } from './support.js';

const KEY = 'sk-e2e-ratelimit-cluster';
/** Tokens the mock charges per chat answer (23 prompt + 8 completion). */
const TOKENS = 31;

let etcd: EtcdProcess;
let cluster: RedisCluster;
let apps: PorticoApps;
let openai: MockLlm;
/** One plain connection per master: KEYS only sees the node it is sent to. */
let masters: Redis[];

beforeAll(async () => {
  [etcd, cluster, openai] = await Promise.all([startEtcd(), startRedisCluster({ masters: 3 }), startMockLlm({ apiKey: KEY })]);
  masters = cluster.ports.map((port) => new Redis({ port, host: '127.0.0.1' }));
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, dataPlanes: 2 });
});
afterAll(async () => {
  for (const m of masters ?? []) m.disconnect();
  await apps?.stop();
  await openai?.close();
  await cluster?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

/** Route `/<id>` with ai-proxy and an ai-rate-limiting quota kept in the cluster. */
async function clusterRoute(id: string, quota: Record<string, unknown>): Promise<string> {
  await putAndWait(
    apps,
    `/apisix/admin/routes/${id}`,
    {
      uri: `/${id}`,
      methods: ['POST'],
      plugins: {
        'ai-proxy': {
          provider: 'openai',
          auth: { header: { Authorization: `Bearer ${KEY}` } },
          options: { model: 'gpt-4' },
          override: { endpoint: openai.url },
        },
        'ai-rate-limiting': {
          policy: 'redis-cluster',
          redis_cluster_nodes: cluster.nodes,
          redis_cluster_name: 'redis-cluster-1',
          redis_timeout: 1000,
          ...quota,
        },
      },
    },
    { uri: `/${id}` },
  );
  return `/${id}`;
}

/** The route's counters as the masters hold them: `port → {key: value}`. */
async function countersOf(id: string): Promise<Map<number, Record<string, string | null>>> {
  const out = new Map<number, Record<string, string | null>>();
  for (let i = 0; i < masters.length; i++) {
    const keys = await masters[i]!.keys(`plugin-ai-rate-limiting:v1:/apisix/routes/${id}:*`);
    if (keys.length === 0) continue;
    const entry: Record<string, string | null> = {};
    for (const k of keys) entry[k] = await masters[i]!.get(k);
    out.set(cluster.ports[i]!, entry);
  }
  return out;
}

describe('policy redis-cluster shares one quota across pods', () => {
  it('admits requests alternating over 2 pods until the shared 100-token quota is spent, one counter on one master', async () => {
    const path = await clusterRoute('cl-shared', {
      limit: 100,
      time_window: 60,
      rejected_code: 429,
      rejected_msg: 'token quota exceeded',
    });
    const seen: Array<{ status: number; remaining: string | null; text: string }> = [];
    let admitted = 0;
    for (let i = 0; i < 6; i++) {
      const r = await postJson(apps.dataPlanes[i % 2]!.url + path, { messages: MATH_MESSAGES });
      seen.push({ status: r.status, remaining: r.headers.get('x-ai-ratelimit-remaining-ai-proxy-openai'), text: r.text });
      if (r.status === 200) admitted++;
      // Tokens are committed in the log phase, after the response: wait until the cluster has
      // them so the other pod's check is deterministic.
      await eventually(
        async () => {
          const values = [...(await countersOf('cl-shared')).values()].flatMap((e) => Object.values(e));
          expect(values).toEqual([String(admitted * TOKENS)]);
        },
        3000,
        10,
      );
    }
    // 0 → 31 → 62 → 93 → 124 tokens: the 4th request still passes the cost-1 dry run (6 left).
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 200, 429, 429]);
    expect(seen.map((s) => s.remaining)).toEqual(['99', '68', '37', '6', '0', '0']);
    expect(seen[4]!.text).toBe('{"error_msg":"token quota exceeded"}\n');

    const counters = await countersOf('cl-shared');
    expect(counters.size).toBe(1);
    const entry = [...counters.values()][0]!;
    const [key] = Object.keys(entry);
    expect(key).toMatch(/^plugin-ai-rate-limiting:v1:\/apisix\/routes\/cl-shared:[0-9a-f]{8}:global:ai-proxy-openai$/);
    expect(entry).toEqual({ [key!]: '124' });
  });

  it('keeps total admitted tokens ≤ limit + one response per pod in flight under concurrent load', async () => {
    const limit = 200;
    const path = await clusterRoute('cl-concurrent', { limit, time_window: 60 });
    const o0 = openai.requests.length;
    let admitted = 0;
    let rejected = 0;
    for (let wave = 0; wave < 12 && rejected < 4; wave++) {
      // One request per pod at the same time: up to 2 in flight past the check.
      const rs = await Promise.all(apps.dataPlanes.map((d) => postJson(d.url + path, { messages: MATH_MESSAGES })));
      for (const r of rs) {
        if (r.status === 200) admitted++;
        else {
          expect(r.status).toBe(503);
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThanOrEqual(4);
    expect(openai.requests.length - o0).toBe(admitted);
    expect(admitted * TOKENS).toBeGreaterThanOrEqual(limit);
    expect(admitted * TOKENS).toBeLessThanOrEqual(limit + TOKENS * apps.dataPlanes.length);
    // Every admitted answer was charged to the one shared counter.
    await eventually(
      async () => {
        const values = [...(await countersOf('cl-concurrent')).values()].flatMap((e) => Object.values(e));
        expect(values).toEqual([String(admitted * TOKENS)]);
      },
      3000,
      10,
    );
  });
});
