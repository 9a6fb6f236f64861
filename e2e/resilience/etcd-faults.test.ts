// etcd faults a data plane must survive: a watch that falls behind past a compaction relists
// and ends identical to etcd; an etcd restart is detected and resynced; an etcd that comes
// back with other data (revision went backwards) replaces the pod's state.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure, eventually, startUpstream, type Upstream } from '../helpers.js';
import {
  admin,
  countLog,
  etcdPut,
  etcdRouteIds,
  httpGet,
  podRevision,
  putRoute,
  startLoad,
  waitConverged,
  waitReady,
} from './support.js';

let etcd: EtcdProcess;
let apps: PorticoApps;
let upstream: Upstream;

const route = (uri: string) => ({ uri, upstream: { type: 'roundrobin', nodes: { [upstream.node]: 1 } } });

beforeAll(async () => {
  upstream = await startUpstream((req, res) => res.end(`ok ${req.url}`));
  etcd = await startEtcd();
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    dataPlanes: 1,
    workers: 2,
    status: true,
    etcdTimeout: 2,
    extraConf: { deployment: { etcd: { resync_delay: 0.2 } }, nginx_config: { http: { enable_access_log: false } } },
  });
  await waitReady(apps.dataPlanes[0]!);
}, 60_000);

afterAll(async () => {
  await apps?.stop();
  await upstream?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('etcd faults', () => {
  it('relists after the watch hits a compacted revision and ends identical to etcd', async () => {
    const dp = apps.dataPlanes[0]!;
    for (let i = 0; i < 3; i++) await putRoute(apps.adminUrl, apps.adminKey, `r-c${i}`, route(`/r/c${i}`));
    const workers = (await podRevision(dp)).workers.map((w) => w.pid);
    const before = countLog(dp.process.logFile, '"reason":"compacted"');
    // Freeze both workers: their watch streams stop reading, etcd's send buffers fill and the
    // watchers fall behind (etcd moves them to its unsynced set). Then compact past them.
    for (const pid of workers) process.kill(pid, 'SIGSTOP');
    try {
      const junk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 300; i++) await etcdPut(etcd.endpoint, `/apisix/junk/${i % 10}`, junk);
      await putRoute(apps.adminUrl, apps.adminKey, 'r-c1', route('/r/c1-new'));
      expect((await admin(apps.adminUrl, apps.adminKey, 'DELETE', '/apisix/admin/routes/r-c2')).status).toBe(200);
      await putRoute(apps.adminUrl, apps.adminKey, 'r-c3', route('/r/c3'));
      await etcd.compact();
    } finally {
      for (const pid of workers) process.kill(pid, 'SIGCONT');
    }
    const { revision } = await etcdRouteIds(etcd.endpoint, '/apisix');
    await waitConverged([dp], revision);
    expect(countLog(dp.process.logFile, '"reason":"compacted"') - before).toBe(2);
    expect((await httpGet(`${dp.url}/r/c1-new`)).status).toBe(200);
    expect((await httpGet(`${dp.url}/r/c1`)).status).toBe(404);
    expect((await httpGet(`${dp.url}/r/c2`)).status).toBe(404);
    expect((await httpGet(`${dp.url}/r/c3`)).status).toBe(200);
    expect((await podRevision(dp)).workers.map((w) => w.revision)).toEqual([revision, revision]);
  });

  it('detects an etcd restart and resyncs, serving throughout', async () => {
    const dp = apps.dataPlanes[0]!;
    const load = startLoad([`${dp.url}/r/c0`]);
    const before = countLog(dp.process.logFile, '"reason":"reconnected"');
    await etcd.stop();
    await new Promise((r) => setTimeout(r, 500));
    await etcd.start();
    const rev = await putRoute(apps.adminUrl, apps.adminKey, 'r-after-restart', route('/r/after-restart'));
    await waitConverged([dp], rev);
    const result = await load.stop();
    expect(result.failed, result.errors.join('\n')).toBe(0);
    // Both workers' watches noticed the new etcd stream and relisted.
    expect(countLog(dp.process.logFile, '"reason":"reconnected"') - before).toBe(2);
    expect((await httpGet(`${dp.url}/r/after-restart`)).status).toBe(200);
  });

  it('replaces its state when etcd comes back with other data (revision went backwards)', async () => {
    const dp = apps.dataPlanes[0]!;
    const before = countLog(dp.process.logFile, '"reason":"restarted"');
    await etcd.stop();
    rmSync(etcd.dataDir, { recursive: true, force: true });
    await etcd.start();
    await putRoute(apps.adminUrl, apps.adminKey, 'r-fresh', route('/r/fresh'));
    const etcdState = await etcdRouteIds(etcd.endpoint, '/apisix');
    expect(etcdState.ids).toEqual(['r-fresh']);
    // The pod's revision goes down to the new etcd's: every worker relisted.
    await eventually(async () => {
      const rev = await podRevision(dp);
      expect(rev.workers.map((w) => w.revision)).toEqual([etcdState.revision, etcdState.revision]);
    }, 15_000);
    for (let i = 0; i < 4; i++) {
      expect((await httpGet(`${dp.url}/r/fresh`)).status).toBe(200);
      expect((await httpGet(`${dp.url}/r/c0`)).status).toBe(404);
    }
    expect(countLog(dp.process.logFile, '"reason":"restarted"') - before).toBe(2);
  });
});
