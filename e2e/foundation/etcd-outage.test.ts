import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, type Upstream } from '../helpers.js';

// etcd unreachable: the admin answers 503 {"error_msg": ...} (apisix/admin/resource.lua) within
// deployment.etcd.timeout, and data planes keep serving their last good configuration.
const TIMEOUT_S = 3;

let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, etcdTimeout: TIMEOUT_S });
  echo = await startEchoUpstream('echo');
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

async function status(path: string): Promise<number> {
  const res = await fetch(`${apps.dataPlanes[0]!.url}${path}`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

describe('etcd outage', () => {
  it('serves a route before the outage', async () => {
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/r1', {
      uri: '/before',
      upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
    });
    expect(put.status).toBe(201);
    await eventually(async () => expect(await status('/before')).toBe(200));
  });

  it('answers 503 with an error_msg on reads and writes within the etcd timeout', async () => {
    await etcd.stop();
    for (const [method, path, body] of [
      ['GET', '/apisix/admin/routes', undefined],
      ['GET', '/apisix/admin/routes/r1', undefined],
      ['PUT', '/apisix/admin/routes/r2', { uri: '/during', upstream: { nodes: { [echo.node]: 1 } } }],
    ] as const) {
      const t0 = Date.now();
      const res = await adminRequest(apps, method, path, body);
      const elapsed = Date.now() - t0;
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(503);
      const json = res.json() as Record<string, unknown>;
      expect(Object.keys(json)).toEqual(['error_msg']);
      expect(typeof json.error_msg).toBe('string');
      expect((json.error_msg as string).length).toBeGreaterThan(0);
      expect(elapsed).toBeLessThan((TIMEOUT_S + 2) * 1000);
    }
  });

  it('keeps serving the last good configuration while etcd is down', async () => {
    for (let i = 0; i < 5; i++) {
      expect(await status('/before')).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await status('/during')).toBe(404);
  });

  it('recovers once etcd is back: the admin writes again and the data plane sees the write', async () => {
    await etcd.start();
    const put = await eventually(
      async () => {
        const r = await adminRequest(apps, 'PUT', '/apisix/admin/routes/r3', {
          uri: '/after',
          upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
        });
        expect(r.status).toBe(201);
        return r;
      },
      20_000,
      250,
    );
    expect(put.status).toBe(201);
    await eventually(async () => expect(await status('/after')).toBe(200), 20_000, 100);
    expect(await status('/before')).toBe(200);
  });
});
