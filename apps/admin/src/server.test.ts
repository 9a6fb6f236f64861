import { MemoryConfigStore } from '@portico/config-store';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin, type RunningAdmin } from './server.js';
import { ADMIN_KEY, makeConf, silentLogger, testPlugins } from './test-harness.case.js';

let running: RunningAdmin | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('startAdmin', () => {
  it('serves the Admin API on a real socket and publishes the plugin list', async () => {
    const store = new MemoryConfigStore();
    running = await startAdmin(makeConf(), {
      store,
      plugins: testPlugins,
      logger: silentLogger,
      listen: { ip: '127.0.0.1', port: 0 },
    });
    const base = `http://127.0.0.1:${running.port}`;
    const put = await fetch(`${base}/apisix/admin/routes/1`, {
      method: 'PUT',
      headers: { 'X-API-KEY': ADMIN_KEY },
      body: JSON.stringify({ uri: '/a', upstream: { nodes: { '127.0.0.1:1980': 1 } } }),
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('server')).toBe('APISIX/3.16.0');
    const get = await fetch(`${base}/apisix/admin/routes/1`, { headers: { 'X-API-KEY': ADMIN_KEY } });
    expect(((await get.json()) as { value: { uri: string } }).value.uri).toBe('/a');
    expect(JSON.parse((await store.get('/apisix/plugins'))!.value)[0]).toEqual({ name: 'key-auth' });
  });

  it('enforces allow_admin against the socket peer address', async () => {
    const conf = makeConf(`deployment:\n  admin:\n    admin_key_required: false\n    allow_admin: ["10.0.0.0/8"]\n`);
    running = await startAdmin(conf, {
      store: new MemoryConfigStore(),
      plugins: testPlugins,
      logger: silentLogger,
      listen: { ip: '127.0.0.1', port: 0 },
    });
    const r = await fetch(`http://127.0.0.1:${running.port}/apisix/admin/routes`);
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('403 Forbidden');
  });
});
