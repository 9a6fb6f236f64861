import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigStoreError, type ConfigStore, type WatchMessage } from './types.js';

/** What a conformance run needs from an implementation under test. */
export interface ConformanceHarness {
  store: ConfigStore;
  /** Compact the store's history up to `revision` (etcd Compact). */
  compact(revision: number): Promise<void>;
}

let seq = 0;
/** A key prefix no other test uses (the etcd suite shares one server across tests). */
function uniquePrefix(): string {
  return `/conf-${process.pid}-${Date.now().toString(36)}-${seq++}/`;
}

/** Pull up to `n` messages from a watch, failing if they do not arrive within `ms`. */
export async function take(it: AsyncIterator<WatchMessage>, n: number, ms = 5000): Promise<WatchMessage[]> {
  const out: WatchMessage[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), Math.max(0, left)))),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`watch: got ${out.length}/${n} messages: ${JSON.stringify(out)}`);
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

async function expectConflict(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigStoreError);
  expect((err as ConfigStoreError).code).toBe('conflict');
}

/** Shared behaviour suite every ConfigStore implementation must pass (etcd v3 semantics). */
export function runConfigStoreConformance(name: string, factory: () => Promise<ConformanceHarness>): void {
  describe(`ConfigStore conformance: ${name}`, () => {
    let h: ConformanceHarness;
    let s: ConfigStore;
    let p: string;
    const aborts: AbortController[] = [];
    const watch = (prefix: string, fromRevision: number): AsyncIterator<WatchMessage> => {
      const ac = new AbortController();
      aborts.push(ac);
      return s.watch(prefix, { fromRevision, signal: ac.signal })[Symbol.asyncIterator]();
    };

    beforeEach(async () => {
      h = await factory();
      s = h.store;
      p = uniquePrefix();
    });
    afterEach(async () => {
      for (const ac of aborts.splice(0)) ac.abort();
      await s.close();
    });

    it('get returns undefined for a missing key', async () => {
      expect(await s.get(`${p}missing`)).toBeUndefined();
    });

    it('put stores the value with create and mod revision equal to the new store revision', async () => {
      const before = await s.revision();
      const r = await s.put(`${p}a`, '{"id":"a"}');
      expect(r).toEqual({ revision: before + 1 });
      expect(await s.revision()).toBe(before + 1);
      expect(await s.get(`${p}a`)).toEqual({
        key: `${p}a`,
        value: '{"id":"a"}',
        createRevision: before + 1,
        modRevision: before + 1,
      });
    });

    it('replacing a key keeps createRevision, bumps modRevision and returns prev', async () => {
      const r1 = await s.put(`${p}a`, 'v1');
      const r2 = await s.put(`${p}a`, 'v2');
      expect(r2.revision).toBe(r1.revision + 1);
      expect(r2.prev).toEqual({
        key: `${p}a`,
        value: 'v1',
        createRevision: r1.revision,
        modRevision: r1.revision,
      });
      expect(await s.get(`${p}a`)).toEqual({
        key: `${p}a`,
        value: 'v2',
        createRevision: r1.revision,
        modRevision: r2.revision,
      });
    });

    it('list returns only keys under the pure prefix, in key byte order, at the current revision', async () => {
      await s.put(`${p}routes/2`, 'b');
      await s.put(`${p}routes/10`, 'c');
      await s.put(`${p}routes/1`, 'a');
      await s.put(`${p}routesX`, 'x');
      await s.put(`${p}route`, 'y');
      const rev = await s.revision();
      const l = await s.list(`${p}routes/`);
      expect(l.revision).toBe(rev);
      expect(l.entries.map((e) => [e.key, e.value])).toEqual([
        [`${p}routes/1`, 'a'],
        [`${p}routes/10`, 'c'],
        [`${p}routes/2`, 'b'],
      ]);
      expect((await s.list(`${p}routes`)).entries.map((e) => e.key)).toEqual([
        `${p}routes/1`,
        `${p}routes/10`,
        `${p}routes/2`,
        `${p}routesX`,
      ]);
    });

    it('list of an empty prefix returns no entries and the current revision', async () => {
      await s.put(`${p}other`, 'x');
      expect(await s.list(`${p}none/`)).toEqual({ revision: await s.revision(), entries: [] });
    });

    it('put with ifModRevision succeeds when it matches the current mod revision', async () => {
      const r1 = await s.put(`${p}a`, 'v1');
      const r2 = await s.put(`${p}a`, 'v2', { ifModRevision: r1.revision });
      expect(r2.revision).toBe(r1.revision + 1);
      expect(r2.prev?.value).toBe('v1');
      expect((await s.get(`${p}a`))?.value).toBe('v2');
    });

    it('put with a stale ifModRevision throws conflict and changes nothing', async () => {
      const r1 = await s.put(`${p}a`, 'v1');
      await s.put(`${p}a`, 'v2');
      const rev = await s.revision();
      await expectConflict(s.put(`${p}a`, 'v3', { ifModRevision: r1.revision }));
      expect((await s.get(`${p}a`))?.value).toBe('v2');
      expect(await s.revision()).toBe(rev);
    });

    it('ifModRevision 0 creates a missing key and conflicts on an existing one', async () => {
      const r = await s.put(`${p}new`, 'v1', { ifModRevision: 0 });
      expect(r.prev).toBeUndefined();
      expect((await s.get(`${p}new`))?.createRevision).toBe(r.revision);
      await expectConflict(s.put(`${p}new`, 'v2', { ifModRevision: 0 }));
      await expectConflict(s.put(`${p}absent`, 'v', { ifModRevision: r.revision }));
      expect(await s.get(`${p}absent`)).toBeUndefined();
    });

    it('delete of one key reports 1 and bumps the revision; a missing key reports 0 without a bump', async () => {
      await s.put(`${p}a`, 'v');
      await s.put(`${p}ab`, 'v');
      const rev = await s.revision();
      expect(await s.delete(`${p}a`)).toEqual({ revision: rev + 1, deleted: 1 });
      expect(await s.get(`${p}a`)).toBeUndefined();
      expect((await s.get(`${p}ab`))?.value).toBe('v');
      expect(await s.delete(`${p}a`)).toEqual({ revision: rev + 1, deleted: 0 });
    });

    it('prefix delete removes every key under the prefix in one revision and leaves siblings', async () => {
      await s.put(`${p}d/1`, 'v');
      await s.put(`${p}d/2`, 'v');
      await s.put(`${p}d/3/x`, 'v');
      await s.put(`${p}dz`, 'v');
      const rev = await s.revision();
      expect(await s.delete(`${p}d/`, { prefix: true })).toEqual({ revision: rev + 1, deleted: 3 });
      expect((await s.list(p)).entries.map((e) => e.key)).toEqual([`${p}dz`]);
    });

    it('a ttl key carries a lease and is deleted (with a delete event) once it expires', async () => {
      const r = await s.put(`${p}t`, 'v', { ttlSeconds: 1 });
      const kv = await s.get(`${p}t`);
      expect(kv?.lease).toMatch(/^[1-9][0-9]*$/);
      const w = watch(p, r.revision + 1);
      const [msg] = await take(w, 1, 6000);
      expect(msg).toEqual({
        type: 'events',
        revision: r.revision + 1,
        events: [{ type: 'delete', key: `${p}t`, modRevision: r.revision + 1 }],
      });
      expect(await s.get(`${p}t`)).toBeUndefined();
    });

    it('a plain put over a ttl key detaches the lease so the key no longer expires', async () => {
      await s.put(`${p}t`, 'v1', { ttlSeconds: 1 });
      await s.put(`${p}t`, 'v2');
      expect((await s.get(`${p}t`))?.lease).toBeUndefined();
    });

    it('watch from a past revision replays history in order, one batch per revision', async () => {
      const r1 = await s.put(`${p}a`, '1');
      await s.put(`${p}b`, '2');
      await s.put(`${p}a`, '3');
      await s.delete(`${p}b`);
      const msgs = await take(watch(p, r1.revision), 4);
      expect(msgs).toEqual([
        {
          type: 'events',
          revision: r1.revision,
          events: [{ type: 'put', kv: { key: `${p}a`, value: '1', createRevision: r1.revision, modRevision: r1.revision } }],
        },
        {
          type: 'events',
          revision: r1.revision + 1,
          events: [
            { type: 'put', kv: { key: `${p}b`, value: '2', createRevision: r1.revision + 1, modRevision: r1.revision + 1 } },
          ],
        },
        {
          type: 'events',
          revision: r1.revision + 2,
          events: [{ type: 'put', kv: { key: `${p}a`, value: '3', createRevision: r1.revision, modRevision: r1.revision + 2 } }],
        },
        { type: 'events', revision: r1.revision + 3, events: [{ type: 'delete', key: `${p}b`, modRevision: r1.revision + 3 }] },
      ]);
    });

    it('watch delivers live events only for keys under its prefix', async () => {
      const from = (await s.revision()) + 1;
      const w = watch(`${p}mine/`, from);
      await s.put(`${p}other/x`, 'no');
      const r = await s.put(`${p}mine/x`, 'yes');
      const [msg] = await take(w, 1);
      expect(msg).toEqual({
        type: 'events',
        revision: r.revision,
        events: [{ type: 'put', kv: { key: `${p}mine/x`, value: 'yes', createRevision: r.revision, modRevision: r.revision } }],
      });
    });

    it('watch from a future revision delivers nothing before that revision', async () => {
      const from = (await s.revision()) + 2;
      const w = watch(p, from);
      await s.put(`${p}early`, 'v');
      const r = await s.put(`${p}late`, 'v');
      expect(r.revision).toBe(from);
      expect(await take(w, 1)).toEqual([
        {
          type: 'events',
          revision: from,
          events: [{ type: 'put', kv: { key: `${p}late`, value: 'v', createRevision: from, modRevision: from } }],
        },
      ]);
    });

    it('a prefix delete arrives as one batch holding every delete of that revision', async () => {
      await s.put(`${p}g/1`, 'v');
      await s.put(`${p}g/2`, 'v');
      await s.put(`${p}g/3`, 'v');
      const w = watch(`${p}g/`, (await s.revision()) + 1);
      const d = await s.delete(`${p}g/`, { prefix: true });
      const r = await s.put(`${p}g/4`, 'v');
      const msgs = await take(w, 2);
      expect(msgs[0]).toEqual({
        type: 'events',
        revision: d.revision,
        events: [1, 2, 3].map((i) => ({ type: 'delete', key: `${p}g/${i}`, modRevision: d.revision })),
      });
      expect(msgs[1]).toMatchObject({ type: 'events', revision: r.revision });
    });

    it('watch from a compacted revision yields reset compacted and then ends', async () => {
      const r1 = await s.put(`${p}c`, '1');
      const r2 = await s.put(`${p}c`, '2');
      await h.compact(r2.revision);
      const w = watch(p, r1.revision);
      expect(await take(w, 2)).toEqual([{ type: 'reset', reason: 'compacted' }]);
    });

    it('watch from the compaction revision itself still works', async () => {
      await s.put(`${p}c`, '1');
      const r2 = await s.put(`${p}c`, '2');
      await h.compact(r2.revision);
      const [msg] = await take(watch(p, r2.revision), 1);
      expect(msg).toMatchObject({ type: 'events', revision: r2.revision });
    });

    it('aborting the signal ends a pending iteration', async () => {
      const ac = new AbortController();
      const w = s.watch(p, { fromRevision: (await s.revision()) + 1, signal: ac.signal });
      const iter = w[Symbol.asyncIterator]();
      const pending = iter.next();
      setTimeout(() => ac.abort(), 50);
      expect(await pending).toEqual({ value: undefined, done: true });
    });

    it('for-await over a watch stops when the signal aborts', async () => {
      const ac = new AbortController();
      const from = (await s.revision()) + 1;
      const seen: number[] = [];
      const loop = (async () => {
        for await (const m of s.watch(p, { fromRevision: from, signal: ac.signal })) {
          if (m.type === 'events') seen.push(m.revision);
          ac.abort();
        }
      })();
      const r = await s.put(`${p}x`, 'v');
      await loop;
      expect(seen).toEqual([r.revision]);
    });
  });
}
