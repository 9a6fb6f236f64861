import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYRING, decryptFields, decryptString, encryptFields, encryptString } from './encryption.js';

describe('APISIX field encryption', () => {
  it.each([
    ['auth-one', '4y+JvURBE6ZwRbbgaryrhg=='],
    ['the-key', 'JCX7x1qN5e9kHt0GuJfWpw=='],
    ['the-password', 'WvF5kpaLvIzjuk4GNIMTJg=='],
    ['new-key', '523EisB/dvqlIT9RzfF3ZQ=='],
  ])('encrypts %s to the ciphertext APISIX stores', (plain, cipher) => {
    expect(encryptString(plain, DEFAULT_KEYRING)).toBe(cipher);
    expect(decryptString(cipher, DEFAULT_KEYRING)).toBe(plain);
  });

  it('keeps a value that no keyring entry decrypts', () => {
    const conf = { key: 'plain-text-key' };
    decryptFields(conf, ['key'], DEFAULT_KEYRING);
    expect(conf.key).toBe('plain-text-key');
  });

  it('round-trips nested dotted fields', () => {
    const conf = { auth: { password: 'pw' } } as Record<string, unknown>;
    encryptFields(conf, ['auth.password'], DEFAULT_KEYRING);
    expect((conf.auth as { password: string }).password).not.toBe('pw');
    decryptFields(conf, ['auth.password'], DEFAULT_KEYRING);
    expect(conf).toEqual({ auth: { password: 'pw' } });
  });
});
