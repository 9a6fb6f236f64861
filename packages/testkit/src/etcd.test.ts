import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startEtcd, startEtcdCluster } from './etcd.js';

async function put(endpoint: string, key: string, value: string): Promise<number> {
  const res = await fetch(`${endpoint}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64'), value: Buffer.from(value).toString('base64') }),
  });
  const body = (await res.json()) as { header: { revision: string } };
  return Number(body.header.revision);
}

describe('startEtcd', () => {
  it('starts a healthy etcd, survives stop/start with its data, compacts and cleans up', async () => {
    const e = await startEtcd();
    try {
      expect(e.endpoint).toBe(`http://127.0.0.1:${e.clientPort}`);
      expect(await e.revision()).toBe(1);
      expect(await put(e.endpoint, '/k', 'v')).toBe(2);
      await e.stop();
      await expect(fetch(`${e.endpoint}/health`)).rejects.toThrow();
      await e.start();
      expect(await e.revision()).toBe(2);
      await e.compact();
      // A second compaction at the same revision is rejected by etcd: proves the first applied.
      await expect(e.compact(2)).rejects.toThrow(/compacted/);
      await e.kill();
      await e.start();
      expect(await e.revision()).toBe(2);
    } finally {
      await e.cleanup();
    }
    expect(existsSync(e.dataDir)).toBe(false);
  });

  it('starts a 3-member loopback cluster where every member serves the same data', async () => {
    const c = await startEtcdCluster(3);
    try {
      expect(c.endpoints).toHaveLength(3);
      const rev = await put(c.endpoints[0]!, '/k', 'v');
      expect(await c.members[2]!.revision()).toBe(rev);
      await c.members[0]!.stop();
      expect(await put(c.endpoints[1]!, '/k2', 'v')).toBe(rev + 1);
    } finally {
      await c.cleanup();
    }
  });
});
