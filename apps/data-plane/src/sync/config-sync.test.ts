import { MemoryConfigStore, type ConfigStore, type ListResult } from '@portico/config-store';
import type { Logger, PluginModule } from '@portico/plugin-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { CertificateCache } from '../tls/certificate-cache.js';
import { UpstreamCache } from '../proxy/upstream-cache.js';
import { PluginPreparer } from '../snapshot/preparer.js';
import { ConfigSync } from './config-sync.js';

const counters = { prepare: 0, destroy: 0 };
const counted: PluginModule = {
  name: 'counted',
  priority: 1,
  schema: { type: 'object', properties: { n: { type: 'integer' }, d: { type: 'string', default: 'dflt' } } },
  prepare(conf: { n?: number; d: string }) {
    counters.prepare++;
    return { n: conf.n, d: conf.d };
  },
  destroy() {
    counters.destroy++;
  },
};

function capture(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    logger: { ...silentLogger, error: (o, m) => errors.push(`${m}: ${(o as { err?: string }).err}`) },
  };
}

/** A store whose list() fails while `down` is set (etcd unreachable). */
class FlakyStore extends MemoryConfigStore {
  down = false;
  override async list(prefix: string): Promise<ListResult> {
    if (this.down) throw new Error('etcd unreachable');
    return super.list(prefix);
  }
}

let running: { sync: ConfigSync; store: ConfigStore }[] = [];

async function start(store: MemoryConfigStore, logger: Logger = silentLogger): Promise<ConfigSync> {
  return startWith(store, logger);
}

async function startWith(store: MemoryConfigStore, logger: Logger): Promise<ConfigSync> {
  const sync = new ConfigSync({
    store,
    prefix: '/apisix',
    preparer: new PluginPreparer({ plugins: new Map([['counted', counted]]), services: { logger, prefixDir: '/' }, keyring: [] }),
    upstreams: new UpstreamCache(),
    certificates: new CertificateCache([], [], () => undefined),
    logger,
    resyncDelayMs: 20,
  });
  running.push({ sync, store });
  await sync.start();
  return sync;
}

async function until(sync: ConfigSync, revision: number): Promise<void> {
  for (let i = 0; i < 2000 && sync.revision() < revision; i++) await new Promise((r) => setTimeout(r, 2));
  expect(sync.revision()).toBeGreaterThanOrEqual(revision);
}

const route = (uri: string, plugins: Record<string, unknown> = {}): string =>
  JSON.stringify({ uri, plugins, upstream: { nodes: { '127.0.0.1:1980': 1 } } });

afterEach(async () => {
  for (const r of running) {
    await r.sync.stop();
    await r.store.close();
  }
  running = [];
  counters.prepare = 0;
  counters.destroy = 0;
});

describe('ConfigSync', () => {
  it('loads the whole prefix, sets value.id from the key and ignores init_dir placeholders', async () => {
    const store = new MemoryConfigStore();
    await store.put('/apisix/routes/', 'init_dir');
    await store.put('/apisix/routes/r1', JSON.stringify({ id: 'other', uri: '/a', upstream: { nodes: { 'a:1': 1 } } }));
    await store.put('/apisix/ssls/1', JSON.stringify({ cert: 'x' }));
    const sync = await start(store);
    expect(sync.revision()).toBe(await store.revision());
    expect([...sync.current!.routes.keys()]).toEqual(['r1']);
    expect(sync.current!.items.get('routes', 'r1')!.value.id).toBe('r1');
  });

  it('applies puts and deletes incrementally with a new snapshot object per batch', async () => {
    const store = new MemoryConfigStore();
    const sync = await start(store);
    const first = sync.current!;
    const { revision } = await store.put('/apisix/routes/1', route('/one'));
    await until(sync, revision);
    const second = sync.current!;
    expect(second).not.toBe(first);
    expect(
      second.router.match({
        uri: '/one',
        method: 'GET',
        host: 'h',
        httpHost: 'h',
        remoteAddr: '1.1.1.1',
        vars: { get: () => undefined },
      }),
    ).toBe('1');
    const del = await store.delete('/apisix/routes/1');
    await until(sync, del.revision);
    expect(sync.current!.routes.size).toBe(0);
    // The snapshot taken before keeps serving its own view.
    expect(second.routes.size).toBe(1);
  });

  it('skips an invalid item, logs it and keeps the previous valid version', async () => {
    const store = new MemoryConfigStore();
    const { logger, errors } = capture();
    const sync = await start(store, logger);
    await store.put('/apisix/routes/1', route('/v1'));
    await store.put('/apisix/routes/1', '{not json');
    await store.put('/apisix/routes/2', '[1,2]');
    await store.put('/apisix/routes/3', route('/x', { nope: {} }));
    const last = await store.put('/apisix/routes/1', JSON.stringify({ uri: '/v2' }));
    await until(sync, last.revision);
    expect(sync.current!.items.get('routes', '1')!.value.uri).toBe('/v1');
    expect(sync.current!.routes.has('2')).toBe(false);
    expect(sync.current!.routes.has('3')).toBe(false);
    expect(errors).toEqual([
      'invalid config item skipped: invalid item data of [/apisix/routes/1]: not JSON',
      'invalid config item skipped: invalid item data of [/apisix/routes/2], it should be an object',
      'invalid config item skipped: failed to check item data of [/apisix/routes/3] err:unknown plugin [nope]',
      expect.stringMatching(/^invalid config item skipped: failed to check item data of \[\/apisix\/routes\/1\] err:/),
    ]);
  });

  it('refuses a route carrying Lua (filter_func) instead of serving it unfiltered', async () => {
    const store = new MemoryConfigStore();
    const { logger, errors } = capture();
    const sync = await start(store, logger);
    const rev = await store.put(
      '/apisix/routes/9',
      JSON.stringify({ uri: '/f', filter_func: 'function(vars) return false end', upstream: { nodes: { '127.0.0.1:1': 1 } } }),
    );
    await until(sync, rev.revision);
    expect(sync.current!.routes.has('9')).toBe(false);
    expect(errors).toEqual([
      'invalid config item skipped: failed to check item data of [/apisix/routes/9] err:filter_func (Lua) is not supported by Portico',
    ]);
  });

  it('prepares plugin state once per item version, reuses it and destroys replaced or deleted state', async () => {
    const store = new MemoryConfigStore();
    const sync = await start(store);
    await store.put('/apisix/routes/1', route('/p', { counted: { n: 1 } }));
    const r2 = await store.put('/apisix/routes/2', route('/other'));
    await until(sync, r2.revision);
    expect(counters).toEqual({ prepare: 1, destroy: 0 });
    const state = sync.current!.routes.get('1')!.chain.byName.get('counted')!.state;
    expect(state).toEqual({ n: 1, d: 'dflt' });
    const r3 = await store.put('/apisix/routes/2', route('/other2'));
    await until(sync, r3.revision);
    expect(counters).toEqual({ prepare: 1, destroy: 0 });
    expect(sync.current!.routes.get('1')!.chain.byName.get('counted')!.state).toBe(state);
    const r4 = await store.put('/apisix/routes/1', route('/p', { counted: { n: 2 } }));
    await until(sync, r4.revision);
    expect(counters).toEqual({ prepare: 2, destroy: 1 });
    const r5 = await store.delete('/apisix/routes/1');
    await until(sync, r5.revision);
    expect(counters).toEqual({ prepare: 2, destroy: 2 });
  });

  it('relists after a watch reset, keeping prepared state of unchanged items', async () => {
    const store = new MemoryConfigStore();
    const sync = await start(store);
    const r1 = await store.put('/apisix/routes/1', route('/p', { counted: {} }));
    await until(sync, r1.revision);
    store.injectReset('compacted');
    const r2 = await store.put('/apisix/routes/2', route('/q'));
    await until(sync, r2.revision);
    expect([...sync.current!.routes.keys()].sort()).toEqual(['1', '2']);
    expect(counters).toEqual({ prepare: 1, destroy: 0 });
  });

  it('keeps serving the last snapshot while the store is down and catches up afterwards', async () => {
    const store = new FlakyStore();
    const { logger, errors } = capture();
    const sync = await start(store, logger);
    const r1 = await store.put('/apisix/routes/1', route('/p'));
    await until(sync, r1.revision);
    store.down = true;
    store.injectReset('reconnected');
    await new Promise((r) => setTimeout(r, 60));
    expect(sync.current!.routes.has('1')).toBe(true);
    expect(errors).toContain('config sync failed, serving the last good config: etcd unreachable');
    const r2 = await store.put('/apisix/routes/2', route('/q'));
    store.down = false;
    await until(sync, r2.revision);
    expect(sync.current!.routes.has('2')).toBe(true);
  });

  it('builds 10,000 routes within 500 ms and applies one change among them quickly', async () => {
    const store = new MemoryConfigStore({ maxHistory: 20_000 });
    for (let i = 0; i < 10_000; i++) {
      await store.put(`/apisix/routes/${i}`, route(`/r/${i}`, i % 10 === 0 ? { counted: { n: i } } : {}));
    }
    // Snapshot build times as ConfigSync reports them (the store's own listing is not ours).
    const buildMs: number[] = [];
    const sync = await startWith(store, { ...silentLogger, debug: (o) => buildMs.push((o as { ms: number }).ms) });
    expect(sync.current!.routes.size).toBe(10_000);
    expect(buildMs[0]).toBeLessThan(500);
    for (let k = 0; k < 5; k++) {
      const r = await store.put('/apisix/routes/5', route(`/changed/${k}`));
      await until(sync, r.revision);
    }
    // Median of five single-route changes (the first one also pays for JIT warm-up).
    const incremental = buildMs.slice(1).sort((a, b) => a - b);
    expect(incremental).toHaveLength(5);
    expect(incremental[2]).toBeLessThan(100);
    expect(sync.current!.routes.get('5')!.spec.uris).toEqual(['/changed/4']);
    expect(counters.prepare).toBe(1000);
  });
});
