import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, type Upstream } from '../helpers.js';

// Issue 2 "Done when": a write through the admin is served by two separately started data planes.
let etcd: EtcdProcess;
let apps: PorticoApps;
let upA: Upstream;
let upB: Upstream;

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, dataPlanes: 2 });
  upA = await startEchoUpstream('a');
  upB = await startEchoUpstream('b');
});
afterAll(async () => {
  await apps?.stop();
  await upA?.close();
  await upB?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

async function getVia(url: string, path: string): Promise<{ status: number; body: string; upstream: string | null }> {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text(), upstream: res.headers.get('x-upstream') };
}

describe('admin → etcd → data planes', () => {
  it('serves a route created through the admin on both data planes', async () => {
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/prop', {
      uri: '/prop/*',
      upstream: { type: 'roundrobin', nodes: { [upA.node]: 1 } },
    });
    expect(put.status).toBe(201);
    for (const dp of apps.dataPlanes) {
      await eventually(async () => {
        const r = await getVia(dp.url, '/prop/x?q=1');
        expect(r.status).toBe(200);
        expect(r.upstream).toBe('a');
        expect(JSON.parse(r.body)).toMatchObject({ method: 'GET', url: '/prop/x?q=1' });
      });
    }
  });

  it('applies an update on both data planes', async () => {
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/prop', {
      uri: '/prop/*',
      upstream: { type: 'roundrobin', nodes: { [upB.node]: 1 } },
    });
    expect(put.status).toBe(200);
    for (const dp of apps.dataPlanes) {
      await eventually(async () => expect((await getVia(dp.url, '/prop/y')).upstream).toBe('b'));
    }
  });

  it('loads existing routes in a data plane started after the write', async () => {
    const late = await apps.addDataPlane();
    await eventually(async () => {
      const r = await getVia(late.url, '/prop/z');
      expect([r.status, r.upstream]).toEqual([200, 'b']);
    });
  });

  it('answers 404 Route Not Found everywhere once the route is deleted', async () => {
    const del = await adminRequest(apps, 'DELETE', '/apisix/admin/routes/prop');
    expect(del.status).toBe(200);
    expect(del.json()).toEqual({ deleted: '1', key: '/apisix/routes/prop' });
    for (const dp of apps.dataPlanes) {
      await eventually(async () => {
        const r = await getVia(dp.url, '/prop/x');
        expect(r.status).toBe(404);
        expect(r.body).toBe('{"error_msg":"404 Route Not Found"}\n');
      });
    }
  });
});
