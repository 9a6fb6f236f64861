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

  it('walks arrays on the way to a field, as apisix/plugin.lua process_encrypt_field (kafka-logger brokers)', () => {
    const conf = {
      brokers: [
        { host: 'a', port: 1, sasl_config: { user: 'u', password: 'p1' } },
        { host: 'b', port: 2 },
        { host: 'c', port: 3, sasl_config: { user: 'u', password: 'p3' } },
      ],
    };
    encryptFields(conf, ['brokers.sasl_config.password'], DEFAULT_KEYRING);
    const stored = conf.brokers.map((b) => b.sasl_config?.password);
    expect(stored[0]).not.toBe('p1');
    expect(stored[1]).toBeUndefined();
    expect(stored[2]).toBe(encryptString('p3', DEFAULT_KEYRING));
    expect(conf.brokers[0]!.sasl_config!.user).toBe('u');
    decryptFields(conf, ['brokers.sasl_config.password'], DEFAULT_KEYRING);
    expect(conf.brokers.map((b) => b.sasl_config?.password)).toEqual(['p1', undefined, 'p3']);
  });
});
