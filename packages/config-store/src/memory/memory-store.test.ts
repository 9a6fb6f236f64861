import { describe, expect, it } from 'vitest';
import { runConfigStoreConformance, take } from '../conformance.case.js';
import { ConfigStoreError } from '../types.js';
import { MemoryConfigStore } from './memory-store.js';

runConfigStoreConformance('memory', async () => {
  const store = new MemoryConfigStore();
  return { store, compact: (rev) => store.compact(rev) };
});

describe('MemoryConfigStore specifics', () => {
  it('starts at revision 1 like a fresh etcd', async () => {
    const s = new MemoryConfigStore();
    expect(await s.revision()).toBe(1);
    expect(await s.put('/a', 'v')).toEqual({ revision: 2 });
  });

  it('compacting at or below the compacted revision throws compacted', async () => {
    const s = new MemoryConfigStore();
    await s.put('/a', 'v');
    await s.compact(2);
    await expect(s.compact(2)).rejects.toMatchObject({ code: 'compacted' });
  });

  it('injectReset makes active watches yield the reset and end', async () => {
    const s = new MemoryConfigStore();
    const w = s.watch('/', { fromRevision: 2 })[Symbol.asyncIterator]();
    s.injectReset('reconnected');
    expect(await take(w, 2)).toEqual([{ type: 'reset', reason: 'reconnected' }]);
  });

  it('auto-compacts beyond maxHistory revisions', async () => {
    const s = new MemoryConfigStore({ maxHistory: 2 });
    await s.put('/a', '1'); // rev 2
    await s.put('/a', '2'); // rev 3
    await s.put('/a', '3'); // rev 4
    const w = s.watch('/', { fromRevision: 2 })[Symbol.asyncIterator]();
    expect(await take(w, 2)).toEqual([{ type: 'reset', reason: 'compacted' }]);
  });

  it('operations after close throw unavailable', async () => {
    const s = new MemoryConfigStore();
    await s.close();
    const err = await s.get('/a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigStoreError);
    expect((err as ConfigStoreError).code).toBe('unavailable');
  });
});
