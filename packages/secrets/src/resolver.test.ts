import { startVault, type VaultServer } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretResolver } from './resolver.js';

let server: VaultServer;
beforeAll(async () => {
  server = await startVault('tok');
  server.put('kv/apisix/openai', { key: 'sk-1' });
});
afterAll(() => server.close());

function resolver(now: { t: number }, confs: Record<string, Record<string, unknown>> = {}) {
  const warnings: unknown[] = [];
  const r = new SecretResolver({
    secretConf: (m, id) => confs[`${m}/${id}`],
    env: (n) => ({ PLAIN: 'plain-value' })[n],
    now: () => now.t,
    logger: { warn: (obj) => warnings.push(obj) },
  });
  return { r, warnings };
}

describe('SecretResolver', () => {
  it('resolves $env:// and $secret:// references and serves them from the cache', async () => {
    const now = { t: 0 };
    const { r } = resolver(now, { 'vault/1': { uri: server.url, prefix: 'kv/apisix', token: 'tok' } });
    await r.resolveAll(['$env://PLAIN', '$secret://vault/1/openai/key']);
    expect(r.peek('$env://PLAIN')).toBe('plain-value');
    expect(r.peek('$secret://vault/1/openai/key')).toBe('sk-1');
    const before = server.requests.length;
    await r.resolveAll(['$secret://vault/1/openai/key']);
    expect(server.requests.length).toBe(before);
  });

  it('re-reads a rotated secret once its TTL has passed, and reports it changed', async () => {
    const now = { t: 0 };
    const { r } = resolver(now, { 'vault/1': { uri: server.url, prefix: 'kv/apisix', token: 'tok' } });
    await r.resolveAll(['$secret://vault/1/openai/key']);
    server.put('kv/apisix/openai', { key: 'sk-2' });
    expect(await r.refresh()).toEqual(new Set());
    now.t = 300_001;
    expect(await r.refresh()).toEqual(new Set(['$secret://vault/1/openai/key']));
    expect(r.peek('$secret://vault/1/openai/key')).toBe('sk-2');
    server.put('kv/apisix/openai', { key: 'sk-1' });
  });

  it('keeps the last good value while the store is down, and logs without the secret', async () => {
    const now = { t: 0 };
    const { r, warnings } = resolver(now, { 'vault/1': { uri: server.url, prefix: 'kv/apisix', token: 'tok' } });
    await r.resolveAll(['$secret://vault/1/openai/key']);
    server.down = true;
    try {
      now.t = 300_001;
      expect(await r.refresh()).toEqual(new Set());
      expect(r.peek('$secret://vault/1/openai/key')).toBe('sk-1');
      expect(JSON.stringify(warnings)).toContain('status 503');
      expect(JSON.stringify(warnings)).not.toContain('sk-1');
    } finally {
      server.down = false;
    }
  });

  it('leaves references unresolved when the secret conf or manager is missing, retrying after neg_ttl', async () => {
    const now = { t: 0 };
    const { r, warnings } = resolver(now);
    await r.resolveAll(['$secret://vault/9/openai/key', '$secret://nope/1/a/b']);
    expect(r.peek('$secret://vault/9/openai/key')).toBeUndefined();
    expect(r.isFresh('$secret://vault/9/openai/key')).toBe(true);
    expect(JSON.stringify(warnings)).toContain('no secret conf, secret_uri: $secret://vault/9/openai/key');
    now.t = 60_001;
    expect(r.isFresh('$secret://vault/9/openai/key')).toBe(false);
  });

  it('shares one lookup between concurrent callers', async () => {
    const { r } = resolver({ t: 0 }, { 'vault/1': { uri: server.url, prefix: 'kv/apisix', token: 'tok' } });
    const before = server.requests.length;
    await Promise.all([r.resolve('$secret://vault/1/openai/key'), r.resolve('$secret://vault/1/openai/key')]);
    expect(server.requests.length - before).toBe(1);
  });
});
