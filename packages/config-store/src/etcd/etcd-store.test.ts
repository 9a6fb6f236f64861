import { rmSync } from 'node:fs';
import { startEtcd, type EtcdProcess } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfigStoreConformance, take } from '../conformance.case.js';
import { ConfigStoreError, type WatchMessage } from '../types.js';
import { EtcdConfigStore } from './etcd-store.js';

let etcd: EtcdProcess;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.cleanup();
});

runConfigStoreConformance('etcd', async () => ({
  store: new EtcdConfigStore({ hosts: [etcd.endpoint], timeoutMs: 2000 }),
  compact: (rev) => etcd.compact(rev),
}));

describe('EtcdConfigStore against a real etcd', () => {
  const open = (timeoutMs = 2000): EtcdConfigStore => new EtcdConfigStore({ hosts: [etcd.endpoint], timeoutMs });
  const iter = (s: EtcdConfigStore, prefix: string, from: number, signal?: AbortSignal): AsyncIterator<WatchMessage> =>
    s.watch(prefix, { fromRevision: from, ...(signal ? { signal } : {}) })[Symbol.asyncIterator]();

  it('aborting one watch leaves another watch on the same store delivering', async () => {
    const s = open();
    try {
      const from = (await s.revision()) + 1;
      const ac = new AbortController();
      const a = iter(s, '/abort-a/', from, ac.signal);
      const b = iter(s, '/abort-b/', from);
      await s.put('/abort-a/1', 'v');
      expect(await take(a, 1)).toMatchObject([{ type: 'events' }]);
      ac.abort();
      expect(await a.next()).toEqual({ value: undefined, done: true });
      const r = await s.put('/abort-b/1', 'v');
      expect(await take(b, 1)).toMatchObject([{ type: 'events', revision: r.revision }]);
    } finally {
      await s.close();
    }
  });

  it('close ends active watches', async () => {
    const s = open();
    const w = iter(s, '/close/', (await s.revision()) + 1);
    const pending = w.next();
    await s.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('fails with unavailable within the timeout while etcd is down, and works again after restart', async () => {
    const s = open(500);
    try {
      await s.put('/down/k', 'v');
      await etcd.stop();
      for (const op of [() => s.get('/down/k'), () => s.put('/down/k', 'x'), () => s.revision()]) {
        const t0 = Date.now();
        const err = await op().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ConfigStoreError);
        expect((err as ConfigStoreError).code).toBe('unavailable');
        expect(Date.now() - t0).toBeLessThan(1500);
      }
      await etcd.start();
      expect((await s.get('/down/k'))?.value).toBe('v');
    } finally {
      await s.close();
    }
  });

  it('a watch yields reset reconnected after etcd restarts, then ends', async () => {
    const s = open(1000);
    try {
      const from = (await s.revision()) + 1;
      const w = iter(s, '/restart/', from);
      const r = await s.put('/restart/a', 'v');
      expect(await take(w, 1)).toMatchObject([{ type: 'events', revision: r.revision }]);
      await etcd.stop();
      await etcd.start();
      expect(await take(w, 2, 8000)).toEqual([{ type: 'reset', reason: 'reconnected' }]);
    } finally {
      await s.close();
    }
  });

  it('a watch opened while etcd is down starts delivering once etcd is back, without a reset', async () => {
    const s = open(500);
    try {
      const from = (await s.revision()) + 1;
      await etcd.stop();
      const w = iter(s, '/late/', from);
      await new Promise((r) => setTimeout(r, 300));
      await etcd.start();
      const r = await s.put('/late/a', 'v');
      expect(await take(w, 1, 8000)).toEqual([
        {
          type: 'events',
          revision: r.revision,
          events: [{ type: 'put', kv: { key: '/late/a', value: 'v', createRevision: r.revision, modRevision: r.revision } }],
        },
      ]);
    } finally {
      await s.close();
    }
  });

  // Last: wipes the data dir, so revisions start over.
  it('a watch yields reset restarted when etcd comes back with a lower revision (data lost)', async () => {
    const s = open(1000);
    try {
      await s.put('/wipe/a', 'v');
      const w = iter(s, '/wipe/', (await s.revision()) + 1);
      const r = await s.put('/wipe/a', 'v2');
      expect(await take(w, 1)).toMatchObject([{ type: 'events', revision: r.revision }]);
      await etcd.kill();
      rmSync(etcd.dataDir, { recursive: true, force: true });
      await etcd.start();
      expect(await s.revision()).toBe(1);
      expect(await take(w, 2, 8000)).toEqual([{ type: 'reset', reason: 'restarted' }]);
    } finally {
      await s.close();
    }
  });
});
