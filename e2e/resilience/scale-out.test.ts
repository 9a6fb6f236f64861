// Issue 6 "Done when": etcd, one admin and three data planes with two workers each; 100
// routes written through the admin under client load are served by every pod (convergence
// p50/p99 printed); then etcd stops mid-load with zero failed requests, the admin answers 503
// quickly, and writes through a second admin after etcd returns converge on every pod.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type ManagedProcess, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure, startUpstream, type Upstream } from '../helpers.js';
import {
  admin,
  httpGet,
  percentile,
  putRoute,
  startLoad,
  startSecondAdmin,
  waitConverged,
  waitReady,
  watchConvergence,
} from './support.js';

const ETCD_TIMEOUT_S = 2;
let etcd: EtcdProcess;
let apps: PorticoApps;
let upstream: Upstream;
let admin2: ManagedProcess | undefined;

const route = (uri: string) => ({ uri, upstream: { type: 'roundrobin', nodes: { [upstream.node]: 1 } } });

beforeAll(async () => {
  upstream = await startUpstream((req, res) => res.end(`ok ${req.url}`));
  etcd = await startEtcd();
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    dataPlanes: 3,
    workers: 2,
    status: true,
    etcdTimeout: ETCD_TIMEOUT_S,
    // deployment.etcd.resync_delay: retry quickly once etcd is back.
    extraConf: { deployment: { etcd: { resync_delay: 0.2 } }, nginx_config: { http: { enable_access_log: false } } },
  });
  await Promise.all(apps.dataPlanes.map((dp) => waitReady(dp)));
  const rev = await putRoute(apps.adminUrl, apps.adminKey, 'load', route('/load'));
  await waitConverged(apps.dataPlanes, rev);
}, 60_000);

afterAll(async () => {
  await admin2?.stop();
  await apps?.stop();
  await upstream?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

/**
 * Every pod answers 200 for each uri, twice over fresh connections (which the kernel spreads
 * over the pod's workers); that every worker applied the writes is asserted per worker through
 * GET /status/revision (waitConverged takes the lowest worker revision).
 */
async function expectServedEverywhere(uris: string[]): Promise<void> {
  for (const dp of apps.dataPlanes) {
    const results = await Promise.all(
      uris.flatMap((u) => [0, 1].map(() => httpGet(`${dp.url}${u}`).then((r) => `${u} ${r.status} ${r.body}`))),
    );
    expect(results).toEqual(uris.flatMap((u) => [`${u} 200 ok ${u}`, `${u} 200 ok ${u}`]));
  }
}

describe('three data planes with two workers each', () => {
  it('reports every worker of every pod ready with the same revision', async () => {
    for (const dp of apps.dataPlanes) {
      const r = await httpGet(`${dp.statusUrl!}/status/revision`);
      const body = JSON.parse(r.body) as { revision: number; workers: Array<{ id: number; ready: boolean; revision: number }> };
      expect(body.workers.map((w) => [w.id, w.ready])).toEqual([
        [0, true],
        [1, true],
      ]);
      expect(new Set(body.workers.map((w) => w.revision)).size).toBe(1);
    }
  });

  it('serves 100 routes written under load on every pod, with convergence p50/p99 printed', async () => {
    const load = startLoad(apps.dataPlanes.map((dp) => `${dp.url}/load`));
    const watch = watchConvergence(apps.dataPlanes);
    const writes: Array<{ revision: number; at: number }> = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const put = await admin(apps.adminUrl, apps.adminKey, 'PUT', `/apisix/admin/routes/r${i}`, route(`/r/${i}`));
      expect(put.status).toBe(201);
      const at = t0 + put.ms;
      const got = await admin(apps.adminUrl, apps.adminKey, 'GET', `/apisix/admin/routes/r${i}`);
      writes.push({ revision: got.json.modifiedIndex as number, at });
    }
    await waitConverged(apps.dataPlanes, writes.at(-1)!.revision);
    await watch.stop();
    const result = await load.stop();

    const delays = writes.flatMap((w) => watch.delays(w.revision, w.at));
    expect(delays.every((d) => d !== undefined)).toBe(true);
    const ms = delays as number[];
    console.log(
      `convergence over ${ms.length} (route, pod) pairs after the admin's 201: ` +
        `p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms ` +
        `(10 ms polling resolution); load: ${result.ok} ok, ${result.failed} failed`,
    );
    expect(result.failed, result.errors.join('\n')).toBe(0);
    expect(result.ok).toBeGreaterThan(100);
    await expectServedEverywhere(Array.from({ length: 100 }, (_, i) => `/r/${i}`));
  });

  it('keeps serving with zero failures while etcd is down; the admin answers 503 quickly; a second admin writes after etcd returns', async () => {
    const load = startLoad(apps.dataPlanes.map((dp) => `${dp.url}/load`));
    await new Promise((r) => setTimeout(r, 300));
    await etcd.stop();

    const down = await admin(apps.adminUrl, apps.adminKey, 'PUT', '/apisix/admin/routes/during', route('/during'));
    expect(down.status).toBe(503);
    expect(Object.keys(down.json)).toEqual(['error_msg']);
    expect(down.ms).toBeLessThan((ETCD_TIMEOUT_S + 1) * 1000);
    // Liveness and readiness stay 200: an etcd outage must not take pods out of rotation.
    for (const dp of apps.dataPlanes) {
      expect((await httpGet(`${dp.statusUrl!}/status`)).status).toBe(200);
      expect((await httpGet(`${dp.statusUrl!}/status/ready`)).body).toBe('{"status":"ok"}');
    }
    await new Promise((r) => setTimeout(r, 1000));
    const during = load.snapshot();

    await etcd.start();
    const second = await startSecondAdmin(apps);
    admin2 = second.process;
    const t0 = performance.now();
    let last = 0;
    for (let i = 0; i < 10; i++) last = await putRoute(second.url, apps.adminKey, `after${i}`, route(`/after/${i}`));
    const del = await admin(second.url, apps.adminKey, 'DELETE', '/apisix/admin/routes/r99');
    expect(del.status).toBe(200);
    // Every write of this test is under the pods' prefix: etcd's revision is the one to reach.
    const target = await etcd.revision();
    expect(target).toBeGreaterThan(last);
    await waitConverged(apps.dataPlanes, target);
    const converged = performance.now() - t0;
    const result = await load.stop();
    console.log(
      `etcd outage: ${during.ok} requests served while etcd was down; after etcd returned, 11 writes through a second admin ` +
        `converged on 3 pods ${converged.toFixed(0)} ms after the first write started; load: ${result.ok} ok, ${result.failed} failed`,
    );
    expect(result.failed, result.errors.join('\n')).toBe(0);
    expect(during.ok).toBeGreaterThan(50);
    await expectServedEverywhere(['/after/0', '/after/9', '/r/0']);
    for (const dp of apps.dataPlanes) {
      expect((await httpGet(`${dp.url}/r/99`)).status).toBe(404);
      expect((await httpGet(`${dp.url}/during`)).status).toBe(404);
    }
  });
});
