import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterId, startKafka } from './kafka.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('startKafka', () => {
  it('makes 22-character URL-safe cluster ids the storage tool never reads as an option', () => {
    for (let i = 0; i < 2000; i++) expect(clusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('starts a KRaft broker from the Maven-resolved jars, restarts it on the same port and storage, and cleans up', async () => {
    const k = await startKafka();
    try {
      expect(k.bootstrap).toBe(`127.0.0.1:${k.port}`);
      const meta = readFileSync(join(k.dir, 'data', 'meta.properties'), 'utf8');
      expect(meta).toMatch(/^cluster\.id=.{22}$/m);
      expect(meta).toMatch(/^node\.id=1$/m);
      await k.stop();
      expect(await refused(k.port)).toBe(true);
      await k.start();
      // Same storage: the formatted cluster id is unchanged after the restart.
      expect(readFileSync(join(k.dir, 'data', 'meta.properties'), 'utf8')).toBe(meta);
    } finally {
      await k.cleanup();
    }
    expect(existsSync(k.dir)).toBe(false);
    expect(await refused(k.port)).toBe(true);
  }, 180_000);
});
