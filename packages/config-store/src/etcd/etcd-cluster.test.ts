import { startEtcdCluster, type EtcdCluster } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { take } from '../conformance.case.js';
import { EtcdConfigStore } from './etcd-store.js';

let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await startEtcdCluster(3);
});
afterAll(async () => {
  await cluster?.cleanup();
});

describe('EtcdConfigStore against a 3-member cluster', () => {
  it('keeps serving reads, writes and watches with one member down', async () => {
    const s = new EtcdConfigStore({ hosts: cluster.endpoints, timeoutMs: 2000 });
    try {
      const r = await s.put('/ha/k', 'v1');
      await cluster.members[0]!.stop();
      // Hosts are picked at random per call: repeat so the stopped member is hit.
      for (let i = 0; i < 8; i++) expect((await s.get('/ha/k'))?.value).toBe('v1');
      const w = s.watch('/ha/', { fromRevision: r.revision })[Symbol.asyncIterator]();
      const r2 = await s.put('/ha/k', 'v2', { ifModRevision: r.revision });
      const msgs = await take(w, 2);
      expect(msgs.map((m) => (m.type === 'events' ? m.revision : m.reason))).toEqual([r.revision, r2.revision]);
      await w.return?.();
    } finally {
      await s.close();
    }
  });
});
