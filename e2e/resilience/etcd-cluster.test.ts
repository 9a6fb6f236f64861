// A 3-member etcd cluster on loopback: losing one member (here, SIGKILL) changes nothing for
// users: zero failed requests, admin writes keep succeeding and keep converging, and the
// member rejoins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, startPortico, type EtcdCluster, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure, startUpstream, type Upstream } from '../helpers.js';
import { admin, httpGet, putRoute, startLoad, waitConverged, waitReady } from './support.js';

let cluster: EtcdCluster;
let apps: PorticoApps;
let upstream: Upstream;

const route = (uri: string) => ({ uri, upstream: { type: 'roundrobin', nodes: { [upstream.node]: 1 } } });

beforeAll(async () => {
  upstream = await startUpstream((req, res) => res.end(`ok ${req.url}`));
  cluster = await startEtcdCluster(3);
  apps = await startPortico({
    etcdEndpoint: cluster.endpoints,
    dataPlanes: 2,
    workers: 2,
    status: true,
    etcdTimeout: 3,
    extraConf: { deployment: { etcd: { resync_delay: 0.2 } }, nginx_config: { http: { enable_access_log: false } } },
  });
  await Promise.all(apps.dataPlanes.map((dp) => waitReady(dp)));
  await waitConverged(apps.dataPlanes, await putRoute(apps.adminUrl, apps.adminKey, 'load', route('/load')));
}, 60_000);

afterAll(async () => {
  await apps?.stop();
  await upstream?.close();
  await cluster?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('3-member etcd cluster', () => {
  it('loses one member without a failed request, a failed write or a stale pod', async () => {
    const load = startLoad(apps.dataPlanes.map((dp) => `${dp.url}/load`));
    await new Promise((r) => setTimeout(r, 300));
    await cluster.members[0]!.kill();

    const writeMs: number[] = [];
    let last = 0;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      last = await putRoute(apps.adminUrl, apps.adminKey, `m${i}`, route(`/m/${i}`));
      writeMs.push(performance.now() - t0);
    }
    await waitConverged(apps.dataPlanes, last);
    for (const dp of apps.dataPlanes) {
      for (let i = 0; i < 10; i++) expect((await httpGet(`${dp.url}/m/${i}`)).status).toBe(200);
      expect((await httpGet(`${dp.statusUrl!}/status/ready`)).status).toBe(200);
    }

    await cluster.members[0]!.start();
    const del = await admin(apps.adminUrl, apps.adminKey, 'DELETE', '/apisix/admin/routes/m0');
    expect(del.status).toBe(200);
    await waitConverged(apps.dataPlanes, await cluster.members[1]!.revision());
    for (const dp of apps.dataPlanes) expect((await httpGet(`${dp.url}/m/0`)).status).toBe(404);

    const result = await load.stop();
    console.log(
      `etcd member loss: 10 admin writes (max ${Math.max(...writeMs).toFixed(0)} ms each) converged on 2 pods; ` +
        `load: ${result.ok} ok, ${result.failed} failed`,
    );
    expect(result.failed, result.errors.join('\n')).toBe(0);
    expect(result.ok).toBeGreaterThan(50);
  });
});
