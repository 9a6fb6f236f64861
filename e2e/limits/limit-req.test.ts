// limit-req through the built data planes: excess requests within the burst are delayed to
// the rate (or pass at once with nodelay), beyond it rejected; the Redis policy shares one
// bucket between two pods (real redis-server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, startRedis, type EtcdProcess, type PorticoApps, type RedisProcess } from '@portico/testkit';
import { dumpLogsOnFailure, startEchoUpstream, type Upstream } from '../helpers.js';
import { get, putRoute } from './support.js';

let etcd: EtcdProcess;
let redis: RedisProcess;
let apps: PorticoApps;
let echo: Upstream;

beforeAll(async () => {
  [etcd, redis, echo] = await Promise.all([startEtcd(), startRedis(), startEchoUpstream('echo')]);
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, dataPlanes: 2 });
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await redis?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

const route = (uri: string, conf: Record<string, unknown>) => ({
  uri,
  plugins: { 'limit-req': { key: 'remote_addr', ...conf } },
  upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
});

describe('limit-req', () => {
  it('delays requests over the rate within the burst to the rate, and rejects beyond the burst', async () => {
    await putRoute(apps, 'req-delay', route('/req-delay', { rate: 1, burst: 2, rejected_code: 429, rejected_msg: 'slow down' }));
    const url = apps.dataPlanes[0]!.url + '/req-delay';
    const rs = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        await new Promise((r) => setTimeout(r, i * 30));
        return get(url);
      }),
    );
    // Excess 0, ~1000, ~2000 (≤ burst 2000) at 1 r/s → waits of 0, ~1 s, ~2 s; the 4th is over the burst.
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(rs[0]!.ms).toBeLessThan(600);
    expect(rs[1]!.ms).toBeGreaterThanOrEqual(700);
    expect(rs[2]!.ms).toBeGreaterThanOrEqual(1500);
    expect(rs[3]!.text).toBe('{"error_msg":"slow down"}\n');
    expect(rs[3]!.ms).toBeLessThan(600);
  });

  it('with nodelay the burst passes at once', async () => {
    await putRoute(apps, 'req-nodelay', route('/req-nodelay', { rate: 1, burst: 2, nodelay: true }));
    const url = apps.dataPlanes[0]!.url + '/req-nodelay';
    const rs = [];
    for (let i = 0; i < 4; i++) rs.push(await get(url));
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 503]);
    // No rejected_msg: nginx's own 503 page, as core.response.exit(503) gives.
    expect(rs[3]!.text).toContain('<title>503 Service Temporarily Unavailable</title>');
    expect(Math.max(...rs.map((r) => r.ms))).toBeLessThan(600);
  });

  it('policy local counts per pod; policy redis shares one bucket between the pods', async () => {
    await putRoute(apps, 'req-local', route('/req-local', { rate: 0.1, burst: 0, nodelay: true }));
    const local = [];
    for (const dp of apps.dataPlanes) for (let i = 0; i < 2; i++) local.push((await get(dp.url + '/req-local')).status);
    expect(local).toEqual([200, 503, 200, 503]);

    await putRoute(
      apps,
      'req-redis',
      route('/req-redis', {
        rate: 0.1,
        burst: 1,
        nodelay: true,
        policy: 'redis',
        redis_host: '127.0.0.1',
        redis_port: redis.port,
      }),
    );
    const shared = [];
    for (let i = 0; i < 4; i++) shared.push((await get(apps.dataPlanes[i % 2]!.url + '/req-redis')).status);
    expect(shared).toEqual([200, 200, 503, 503]);
  });
});
