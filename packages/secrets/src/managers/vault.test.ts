import { startVault, type VaultServer } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vault } from './vault.js';

const http = (url: string, init: Parameters<typeof fetch>[1]) => fetch(url, init);
let server: VaultServer;

beforeAll(async () => {
  server = await startVault('t0ken');
  server.put('kv/apisix/jack', { 'auth-key': 'jack-key', nested: { a: 1 } });
});
afterAll(() => server.close());

describe('vault secret manager against a Vault KV server', () => {
  it('reads a KV v1 field with the token and namespace headers', async () => {
    const v = await vault.get(
      { uri: server.url, prefix: 'kv/apisix', token: 't0ken', namespace: 'team-a' },
      'jack/auth-key',
      http,
    );
    expect(v).toBe('jack-key');
    const last = server.requests.at(-1)!;
    expect(last.path).toBe('/v1/kv/apisix/jack');
    expect(last.headers['x-vault-token']).toBe('t0ken');
    expect(last.headers['x-vault-namespace']).toBe('team-a');
  });

  it('reads a KV v2 field through the data/ path', async () => {
    expect(await vault.get({ uri: server.url, prefix: 'kv/data/apisix', token: 't0ken' }, 'jack/auth-key', http)).toBe(
      'jack-key',
    );
  });

  it('reads the token from $env:// when it is a reference', async () => {
    process.env.PORTICO_TEST_VAULT_TOKEN = 't0ken';
    try {
      expect(
        await vault.get(
          { uri: server.url, prefix: 'kv/apisix', token: '$env://PORTICO_TEST_VAULT_TOKEN' },
          'jack/auth-key',
          http,
        ),
      ).toBe('jack-key');
    } finally {
      delete process.env.PORTICO_TEST_VAULT_TOKEN;
    }
  });

  it('answers undefined for a missing path or field, and JSON-encodes object fields', async () => {
    const conf = { uri: server.url, prefix: 'kv/apisix', token: 't0ken' };
    expect(await vault.get(conf, 'nobody/auth-key', http)).toBeUndefined();
    expect(await vault.get(conf, 'jack/other', http)).toBeUndefined();
    expect(await vault.get(conf, 'jack/nested', http)).toBe('{"a":1}');
  });

  it('rejects a wrong token and malformed keys with a message that names no secret', async () => {
    await expect(vault.get({ uri: server.url, prefix: 'kv/apisix', token: 'bad' }, 'jack/auth-key', http)).rejects.toThrow(
      'failed to retrtive data from vault kv engine: status 403',
    );
    await expect(vault.get({ uri: server.url, prefix: 'kv', token: 't0ken' }, 'nokey', http)).rejects.toThrow(
      'error key format, key: nokey',
    );
    await expect(vault.get({ uri: server.url, prefix: 'kv', token: 't0ken' }, 'jack/', http)).rejects.toThrow(
      "can't find sub key, key: jack/",
    );
  });
});
