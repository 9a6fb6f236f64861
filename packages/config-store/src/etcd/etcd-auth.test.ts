import { startEtcd, type EtcdProcess } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStoreError } from '../types.js';
import { EtcdConfigStore } from './etcd-store.js';

let etcd: EtcdProcess;

async function gateway(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${etcd.endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  etcd = await startEtcd();
  // etcd requires a root user with the root role before auth can be enabled.
  await gateway('/v3/auth/role/add', { name: 'root' });
  await gateway('/v3/auth/user/add', { name: 'root', password: 'rootpw' });
  await gateway('/v3/auth/user/grant', { user: 'root', role: 'root' });
  await gateway('/v3/auth/enable', {});
});
afterAll(async () => {
  await etcd?.cleanup();
});

describe('EtcdConfigStore with etcd authentication', () => {
  it('reads and writes with valid credentials', async () => {
    const s = new EtcdConfigStore({ hosts: [etcd.endpoint], timeoutMs: 2000, auth: { username: 'root', password: 'rootpw' } });
    try {
      const r = await s.put('/auth/k', 'v');
      expect(await s.get('/auth/k')).toEqual({ key: '/auth/k', value: 'v', createRevision: r.revision, modRevision: r.revision });
    } finally {
      await s.close();
    }
  });

  it('fails with unavailable (not a hang) on a wrong password or no credentials', async () => {
    const cases = [
      {
        auth: { username: 'root', password: 'wrong' },
        message: 'etcd get failed: 3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password',
      },
      { auth: undefined, message: 'etcd get failed: 3 INVALID_ARGUMENT: etcdserver: user name is empty' },
    ];
    for (const { auth, message } of cases) {
      const s = new EtcdConfigStore({ hosts: [etcd.endpoint], timeoutMs: 1000, ...(auth ? { auth } : {}) });
      try {
        const t0 = Date.now();
        const err = await s.get('/auth/k').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ConfigStoreError);
        expect((err as ConfigStoreError).code).toBe('unavailable');
        expect((err as ConfigStoreError).message).toBe(message);
        expect(Date.now() - t0).toBeLessThan(1500);
      } finally {
        await s.close();
      }
    }
  });
});
