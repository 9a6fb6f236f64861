// policy redis-cluster against a real 3-master Redis Cluster (redis-cli --cluster create):
// pods share counters, every check/commit is one EVALSHA on the node owning the key, and a
// dead cluster surfaces as an error the plugin turns into 500 or (allow_degradation) a pass.
import { checkPluginConf } from '@portico/schemas';
import { startRedisCluster, type RedisCluster } from '@portico/testkit';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from '../fake-ctx.case.js';
import { aiRateLimiting, type AiRateLimitingConf } from '../index.js';
import { runQuota } from '../quota.js';
import { REDIS_KEY_PREFIX, RedisCounterStore } from './redis.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
const q = { key: 'k', limit: 30, timeWindow: 60, headers: { limit: 'L', remaining: 'R', reset: 'S' } };

let cluster: RedisCluster;
let admin: Cluster;
let perNode: Redis[];

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  admin = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })));
  perNode = cluster.ports.map((port) => new Redis({ port, lazyConnect: true }));
  // These observers outlive the outage tests; their reconnect errors are expected noise.
  for (const c of [admin, ...perNode]) c.on('error', () => undefined);
}, 30_000);
afterAll(async () => {
  admin?.disconnect();
  for (const r of perNode ?? []) r.disconnect();
  await cluster?.cleanup();
});

/** A validated redis-cluster conf (defaults applied), as the data plane would hold it. */
function clusterConf(extra: Record<string, unknown> = {}): AiRateLimitingConf {
  const conf: Record<string, unknown> = {
    limit: 30,
    time_window: 60,
    policy: 'redis-cluster',
    redis_cluster_nodes: cluster.nodes,
    redis_cluster_name: 'portico-test',
    redis_timeout: 300,
    ...extra,
  };
  const err = checkPluginConf(aiRateLimiting, conf, 'route');
  if (err) throw new Error(err);
  return conf as unknown as AiRateLimitingConf;
}

/** Sum of one INFO commandstats field for `cmd` over every master. */
async function commandStat(cmd: string, field: 'calls' | 'rejected_calls' | 'failed_calls'): Promise<number> {
  let total = 0;
  for (const r of perNode) {
    const m = new RegExp(`cmdstat_${cmd}:.*?\\b${field}=(\\d+)`).exec(await r.info('commandstats'));
    total += m ? Number(m[1]) : 0;
  }
  return total;
}

describe('RedisCounterStore with policy redis-cluster (real 3-master cluster)', () => {
  it('shares one counter between two pods with independent cluster connections', async () => {
    const podA = RedisCounterStore.open(clusterConf());
    const podB = RedisCounterStore.open(clusterConf());
    try {
      expect(await runQuota(podA, 'shared', q, 1, true)).toEqual({ kind: 'pass', limit: 30, remaining: 29, reset: 60 });
      expect(await runQuota(podA, 'shared', q, 10, false)).toEqual({ kind: 'pass', limit: 30, remaining: 20, reset: 60 });
      expect(await runQuota(podB, 'shared', q, 10, false)).toEqual({ kind: 'pass', limit: 30, remaining: 10, reset: 60 });
      expect(await runQuota(podB, 'shared', q, 1, true)).toEqual({ kind: 'pass', limit: 30, remaining: 9, reset: 60 });
      await runQuota(podA, 'shared', q, 10, false);
      expect(await runQuota(podB, 'shared', q, 1, true)).toEqual({ kind: 'rejected', limit: 30, reset: 60 });
      expect(await runQuota(podA, 'shared', q, 1, true)).toEqual({ kind: 'rejected', limit: 30, reset: 60 });
      expect(await admin.get(`${REDIS_KEY_PREFIX}shared`)).toBe('30');
      const ttl = await admin.pttl(`${REDIS_KEY_PREFIX}shared`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      podA.release();
      podB.release();
    }
  });

  it('spreads counters over every master, one EVALSHA per call on the owning node, no redirects', async () => {
    const podA = RedisCounterStore.open(clusterConf());
    const podB = RedisCounterStore.open(clusterConf());
    const keys = Array.from({ length: 12 }, (_, i) => `/apisix/routes/r${i}:0000abcd:instance:openai-${i}`);
    try {
      // Warm up: load the script on every node (the first EVALSHA per node answers NOSCRIPT).
      for (const k of keys) await podA.incoming(k, 60, 0), await podB.incoming(k, 60, 0);
      await Promise.all(perNode.map((r) => r.config('RESETSTAT')));

      // 2 pods x 12 keys x 20 concurrent commits of 1 token each.
      const calls = keys.flatMap((k) => Array.from({ length: 20 }, (_, i) => (i % 2 ? podA : podB).incoming(k, 60, 1)));
      const results = await Promise.all(calls);
      for (let i = 0; i < keys.length; i++) {
        // Atomic: every commit saw a distinct running total 1..20, never a lost update.
        const seen = results
          .slice(i * 20, i * 20 + 20)
          .map((r) => r.consumed)
          .sort((a, b) => a - b);
        expect(seen).toEqual(Array.from({ length: 20 }, (_, j) => j + 1));
        expect(await admin.get(REDIS_KEY_PREFIX + keys[i])).toBe('20');
      }
      expect(await commandStat('evalsha', 'calls')).toBe(keys.length * 20);
      expect(await commandStat('evalsha', 'rejected_calls')).toBe(0); // MOVED/ASK would count here
      expect(await commandStat('evalsha', 'failed_calls')).toBe(0);
      expect(await commandStat('eval', 'calls')).toBe(0);

      // The keys really live on different masters (slots spread), each where its slot says.
      const owners = await Promise.all(perNode.map((r) => r.keys(`${REDIS_KEY_PREFIX}/apisix/routes/r*`)));
      expect(owners.filter((ks) => ks.length > 0).length).toBe(3);
      expect(owners.flat().sort()).toEqual(keys.map((k) => REDIS_KEY_PREFIX + k).sort());
    } finally {
      podA.release();
      podB.release();
    }
  });

  it('rejects every call within about redis_timeout while the cluster stays down, then recovers', async () => {
    const pod = RedisCounterStore.open(clusterConf());
    try {
      expect(await pod.incoming('outage', 60, 5)).toMatchObject({ consumed: 5 });
      await cluster.stop();
      // Not just the first call: once ioredis marks the cluster as reconnecting, calls used to
      // wait in its offline queue forever (allow_degradation never got a say).
      for (const cost of [0, 5, 0]) {
        const t0 = Date.now();
        await expect(pod.incoming('outage', 60, cost)).rejects.toThrow(/timed? ?out/i);
        expect(Date.now() - t0).toBeLessThan(1_500);
      }
      await cluster.start();
      // Same handle, no re-acquire. Data is gone (no persistence) and the commit attempted
      // during the outage was not replayed late: the counter restarts from 0.
      await expect
        .poll(
          () =>
            pod.incoming('outage', 60, 0).then(
              (s) => s.consumed,
              () => -1,
            ),
          { timeout: 10_000, interval: 100 },
        )
        .toBe(0);
      expect(await pod.incoming('outage', 60, 7)).toMatchObject({ consumed: 7 });
    } finally {
      pod.release();
      await cluster.start(); // no-op when already up; keeps later tests independent of a failure here
    }
  }, 25_000);

  it('plugin answers 500 {"error_msg":"failed to limit count"} on a dead cluster, passes with allow_degradation', async () => {
    const strictConf = clusterConf({ redis_timeout: 200 });
    const lenientConf = clusterConf({ redis_timeout: 200, allow_degradation: true });
    const env = { resourceKey: '/apisix/routes/down', scope: 'route' as const, services };
    const strict = aiRateLimiting.prepare!(strictConf, env);
    const lenient = aiRateLimiting.prepare!(lenientConf, env);
    const access = async (state: typeof strict) => {
      const ctx = fakeCtx();
      ctx.shared.set('picked_ai_instance_name', 'ai-proxy-openai');
      return { reply: await aiRateLimiting.access!(ctx, state), logs: ctx.logs };
    };
    try {
      expect((await access(strict)).reply).toBeUndefined();
      await cluster.stop();
      const r1 = await access(strict);
      expect(r1.reply).toEqual({ status: 500, body: { error_msg: 'failed to limit count' } });
      expect(r1.logs.some((l) => l.level === 'error' && l.msg.startsWith('failed to limit count: '))).toBe(true);
      const r2 = await access(lenient);
      expect(r2.reply).toBeUndefined();
      expect(r2.logs.some((l) => l.level === 'error' && l.msg.startsWith('failed to limit count: '))).toBe(true);
    } finally {
      aiRateLimiting.destroy!(strict);
      aiRateLimiting.destroy!(lenient);
      await cluster.start();
    }
  }, 25_000);
});
