import { startVault, type VaultServer } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { SecretPendingError, SecretRefs } from './secret-refs.js';

let vault: VaultServer;
beforeAll(async () => {
  vault = await startVault('tok');
  vault.put('kv/apisix/openai', { key: 'Bearer sk-1' });
});
afterAll(() => vault.close());

function refs(onChange: () => void): SecretRefs {
  return new SecretRefs({
    secretConf: (m, id) => (`${m}/${id}` === 'vault/1' ? { uri: vault.url, prefix: 'kv/apisix', token: 'tok' } : undefined),
    logger: silentLogger,
    onChange,
    refreshMs: 60_000,
  });
}

describe('SecretRefs', () => {
  it('substitutes $env:// at once, without waiting for a lookup', () => {
    process.env.PORTICO_TEST_SECRET_REFS = 'from-env';
    const r = refs(() => undefined);
    try {
      expect(r.substitute({ auth: { header: { Authorization: '$env://PORTICO_TEST_SECRET_REFS' } }, n: 1 })).toEqual({
        auth: { header: { Authorization: 'from-env' } },
        n: 1,
      });
    } finally {
      r.stop();
      delete process.env.PORTICO_TEST_SECRET_REFS;
    }
  });

  it('refuses a conf until its $secret:// value is known, then asks for a new preparation', async () => {
    let changed = 0;
    const r = refs(() => changed++);
    try {
      const conf = { auth: { header: { Authorization: '$secret://vault/1/openai/key' } } };
      expect(() => r.substitute(conf)).toThrow(
        new SecretPendingError('failed to resolve secret reference: $secret://vault/1/openai/key'),
      );
      const gen = r.generation;
      await new Promise((res) => setTimeout(res, 200));
      expect(changed).toBe(1);
      expect(r.generation).toBe(gen + 1);
      expect(r.substitute(conf)).toEqual({ auth: { header: { Authorization: 'Bearer sk-1' } } });
      // The conf itself is never changed.
      expect(conf.auth.header.Authorization).toBe('$secret://vault/1/openai/key');
    } finally {
      r.stop();
    }
  });

  it('returns a conf without references as the same object', () => {
    const r = refs(() => undefined);
    const conf = { a: 'plain' };
    expect(r.substitute(conf)).toBe(conf);
    r.stop();
  });
});
