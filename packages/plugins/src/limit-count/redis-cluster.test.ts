// policy redis-cluster against a real 3-master Redis Cluster: fixed and sliding windows
// (every script touches one key, so any slot works).
import { checkPluginConf } from '@portico/schemas';
import { startRedisCluster, type RedisCluster } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { limitCount, type LimitCountConf, type LimitCountState } from './index.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
let cluster: RedisCluster;
const states: LimitCountState[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
}, 60_000);
afterAll(async () => {
  for (const s of states) limitCount.destroy!(s);
  await cluster?.cleanup();
});

function prepared(raw: Record<string, unknown>, resourceKey: string): LimitCountState {
  const conf = structuredClone(raw);
  const err = checkPluginConf(limitCount, conf, 'route');
  if (err) throw new Error(err);
  const s = limitCount.prepare!(conf as unknown as LimitCountConf, { resourceKey, scope: 'route', services });
  states.push(s);
  return s;
}

async function run(targets: LimitCountState[], n: number, headers: Record<string, string> = {}) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const ctx = fakeCtx({ headers });
    const reply = await limitCount.access!(ctx, targets[i % targets.length]!);
    out.push(`${reply?.status ?? 200}/${ctx.respHeaders['X-RateLimit-Remaining']}`);
  }
  return out;
}

describe('limit-count policy redis-cluster (real 3-master cluster)', () => {
  const base = () => ({
    policy: 'redis-cluster',
    redis_cluster_nodes: cluster.nodes,
    redis_cluster_name: 'portico-lc',
    key: 'http_x_user',
  });

  it('fixed window: each user counter works wherever its slot lives, for two prepared states of one conf', async () => {
    const conf = { ...base(), count: 2, time_window: 60 };
    const pair = [prepared(conf, '/apisix/routes/cl'), prepared(conf, '/apisix/routes/cl')];
    for (const user of ['ann', 'bob', 'cid', 'dee']) {
      expect(await run(pair, 3, { 'x-user': user })).toEqual(['200/1', '200/0', '503/0']);
    }
  });

  it('sliding window: the window counters work on the cluster', async () => {
    const conf = { ...base(), count: 2, time_window: 100, window_type: 'sliding' };
    const pair = [prepared(conf, '/apisix/routes/cls'), prepared(conf, '/apisix/routes/cls')];
    expect(await run(pair, 3, { 'x-user': 'eve' })).toEqual(['200/1', '200/0', '503/0']);
  });
});
