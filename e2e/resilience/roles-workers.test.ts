// deployment.role as APISIX means it (a control plane runs only the Admin API, a data plane
// only the proxy), each started on its own with its own config; and worker supervision: a
// crashed worker is replaced in its slot while the pod keeps serving.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appEntries,
  freePort,
  spawnProcess,
  waitForPort,
  startEtcd,
  startPortico,
  type EtcdProcess,
  type PorticoApps,
} from '@portico/testkit';
import { dumpLogsOnFailure, eventually, startUpstream, type Upstream } from '../helpers.js';
import { httpGet, podRevision, putRoute, waitConverged, waitReady } from './support.js';

let etcd: EtcdProcess;
let upstream: Upstream;
let cp: PorticoApps;
let dps: PorticoApps;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => res.end(`ok ${req.url}`));
  etcd = await startEtcd();
  const adminKey = 'rolesAdminKeyAbcdefghijklmnopqrs';
  cp = await startPortico({ etcdEndpoint: etcd.endpoint, role: 'control_plane', adminKey });
  dps = await startPortico({ etcdEndpoint: etcd.endpoint, role: 'data_plane', adminKey, workers: 2, status: true });
  await waitReady(dps.dataPlanes[0]!);
}, 60_000);
afterAll(async () => {
  await dps?.stop();
  await cp?.stop();
  await upstream?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => dps);

/** Run an app entry with a config file; resolve its exit and output. */
async function runWith(entry: string, confPath: string, name: string) {
  const p = spawnProcess({
    cmd: process.execPath,
    args: [entry],
    env: { ...process.env, PORTICO_CONF: confPath },
    logFile: join(cp.dir, `${name}.log`),
  });
  const exit = await Promise.race([p.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 10_000))]);
  await p.kill();
  return { exit, log: p.tail() };
}

describe('deployment roles', () => {
  it('a control_plane admin and a data_plane data plane, started separately, serve an Admin API write', async () => {
    expect(cp.dataPlanes).toHaveLength(0);
    expect(dps.admin).toBeUndefined();
    const rev = await putRoute(cp.adminUrl, cp.adminKey, 'roles', {
      uri: '/roles',
      upstream: { type: 'roundrobin', nodes: { [upstream.node]: 1 } },
    });
    await waitConverged(dps.dataPlanes, rev);
    expect((await httpGet(`${dps.dataPlanes[0]!.url}/roles`)).body).toBe('ok /roles');
  });

  it('the data plane started with a control_plane config exits 0 saying why', async () => {
    const r = await runWith(appEntries.dataPlane, cp.confPath, 'dp-as-cp');
    expect(r.exit).toEqual({ code: 0, signal: null });
    expect(r.log).toContain(
      `portico data plane: deployment.role is control_plane in ${cp.confPath}: a control plane runs only the Admin API (apps/admin), so the data plane does not start`,
    );
  });

  it('the admin started with a data_plane config exits 0 saying why', async () => {
    const conf = dps.dataPlanes[0]!.confPath;
    const r = await runWith(appEntries.admin, conf, 'admin-as-dp');
    expect(r.exit).toEqual({ code: 0, signal: null });
    expect(r.log).toContain(
      `portico admin: deployment.role is data_plane in ${conf}: a data plane serves no Admin API (run apps/data-plane), so the admin does not start`,
    );
  });
});

describe('worker supervision', () => {
  it('replaces a killed worker in its slot; the other worker keeps serving meanwhile', async () => {
    const dp = dps.dataPlanes[0]!;
    const before = await podRevision(dp);
    const victim = before.workers[1]!;
    process.kill(victim.pid, 'SIGKILL');
    // Fresh connections land on the surviving worker while the slot restarts.
    for (let i = 0; i < 5; i++) expect((await httpGet(`${dp.url}/roles`)).status).toBe(200);
    const after = await eventually(
      async () => {
        const r = await podRevision(dp);
        expect(r.workers[1]!.pid).not.toBe(victim.pid);
        expect(r.workers[1]!.ready).toBe(true);
        return r;
      },
      15_000,
      100,
    );
    expect(after.workers[0]!.pid).toBe(before.workers[0]!.pid);
    expect(after.workers[1]!.revision).toBe(before.revision);
    expect((await httpGet(`${dp.statusUrl!}/status/ready`)).status).toBe(200);
    expect(dp.process.tail(100)).toContain('data-plane worker exited unexpectedly, restarting it');
  });

  it('with etcd unreachable at start: the data port stays closed, readiness names a waiting worker, SIGTERM exits 0 at once', async () => {
    const [port, status, dead] = [await freePort(), await freePort(), await freePort()];
    const confPath = join(cp.dir, 'no-etcd.yaml');
    writeFileSync(
      confPath,
      JSON.stringify({
        apisix: { node_listen: [port], status: { ip: '127.0.0.1', port: status }, ssl: { enable: false } },
        nginx_config: { worker_processes: 2, http: { enable_access_log: false } },
        deployment: { role: 'data_plane', etcd: { host: [`http://127.0.0.1:${dead}`], timeout: 1 } },
      }),
    );
    const p = spawnProcess({
      cmd: process.execPath,
      args: [appEntries.dataPlane],
      env: { ...process.env, PORTICO_CONF: confPath },
      logFile: join(cp.dir, 'no-etcd.log'),
    });
    try {
      await waitForPort(status, { timeoutMs: 15_000 });
      await eventually(
        async () => {
          const r = await httpGet(`http://127.0.0.1:${status}/status/ready`);
          expect(r.status).toBe(503);
          expect(r.body).toMatch(/^\{"status":"error","error":"worker id: [01] has not received configuration"\}$/);
        },
        15_000,
        100,
      );
      expect((await httpGet(`http://127.0.0.1:${status}/status`)).status).toBe(200);
      const refused = await httpGet(`http://127.0.0.1:${port}/`).then(
        (r) => `answered ${r.status}`,
        (e: NodeJS.ErrnoException) => e.code,
      );
      expect(refused).toBe('ECONNREFUSED');
      const t0 = performance.now();
      expect(await p.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
      expect(performance.now() - t0).toBeLessThan(3000);
    } finally {
      await p.kill();
    }
  });
});
