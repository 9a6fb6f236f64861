// limit-count with policy redis-cluster: 3 data-plane pods share one counter per key through a
// real 3-master Redis Cluster, whichever master owns the key's slot.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEtcd,
  startPortico,
  startRedisCluster,
  type EtcdProcess,
  type PorticoApps,
  type RedisCluster,
} from '@portico/testkit';
import { dumpLogsOnFailure, startEchoUpstream, type Upstream } from '../helpers.js';
import { get, putRoute, quota } from './support.js';

let etcd: EtcdProcess;
let cluster: RedisCluster;
let apps: PorticoApps;
let echo: Upstream;
/** One plain connection per master: KEYS only sees the node it is sent to. */
let masters: Redis[];

beforeAll(async () => {
  [etcd, cluster, echo] = await Promise.all([startEtcd(), startRedisCluster({ masters: 3 }), startEchoUpstream('echo')]);
  masters = cluster.ports.map((port) => new Redis({ port, host: '127.0.0.1' }));
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, dataPlanes: 3 });
});
afterAll(async () => {
  for (const m of masters ?? []) m.disconnect();
  await apps?.stop();
  await echo?.close();
  await cluster?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('limit-count policy redis-cluster across 3 data planes', () => {
  it('admits `count` per user in total over the 3 pods, one counter per user on the master owning its slot', async () => {
    await putRoute(apps, 'lc-cluster', {
      uri: '/lc-cluster',
      plugins: {
        'limit-count': {
          count: 3,
          time_window: 60,
          key: 'http_x_user',
          rejected_code: 429,
          policy: 'redis-cluster',
          redis_cluster_nodes: cluster.nodes,
          redis_cluster_name: 'portico-e2e',
          redis_timeout: 1000,
        },
      },
      upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
    });
    const users = ['ann', 'bob', 'cid', 'dee', 'eve'];
    for (const user of users) {
      const seen = [];
      for (let i = 0; i < 5; i++) seen.push(await get(apps.dataPlanes[i % 3]!.url + '/lc-cluster', { 'x-user': user }));
      expect(seen.map((a) => [a.status, ...quota(a)])).toEqual([
        [200, '3', '2'],
        [200, '3', '1'],
        [200, '3', '0'],
        [429, '3', '0'],
        [429, '3', '0'],
      ]);
    }
    const owned = await Promise.all(masters.map((m) => m.keys('plugin-limit-count:v1:/apisix/routes/lc-cluster:*')));
    const all = owned.flat();
    expect(all).toHaveLength(users.length);
    for (const user of users) expect(all.some((k) => k.endsWith(`:${user}`))).toBe(true);
  });
});
