import { describe, expect, it } from 'vitest';
import { consumerKey, verifyClaims } from './verify.js';

const NOW = 1_700_000_000;

describe('verifyClaims (parser.lua claims_checker)', () => {
  it('without claims_to_verify checks nbf then exp only when present', () => {
    expect(verifyClaims({}, undefined, 0, NOW)).toBeUndefined();
    expect(verifyClaims({}, [], 0, NOW)).toBeUndefined();
    expect(verifyClaims({ nbf: NOW + 1, exp: NOW - 1 }, undefined, 0, NOW)).toMatch(/^'nbf' claim not valid until /);
    expect(verifyClaims({ exp: NOW - 1 }, [], 0, NOW)).toMatch(/^'exp' claim expired at /);
  });

  it('uses strict comparisons: exp must be after now, nbf before now', () => {
    expect(verifyClaims({ exp: NOW }, undefined, 0, NOW)).toBe(`'exp' claim expired at ${new Date(NOW * 1000).toUTCString()}`);
    expect(verifyClaims({ exp: NOW + 1 }, undefined, 0, NOW)).toBeUndefined();
    expect(verifyClaims({ nbf: NOW }, undefined, 0, NOW)).toMatch(/^'nbf' claim not valid until /);
    expect(verifyClaims({ nbf: NOW - 1 }, undefined, 0, NOW)).toBeUndefined();
  });

  it('widens both bounds by lifetime_grace_period', () => {
    expect(verifyClaims({ exp: NOW - 10 }, undefined, 11, NOW)).toBeUndefined();
    expect(verifyClaims({ exp: NOW - 11 }, undefined, 11, NOW)).toMatch(/expired/);
    expect(verifyClaims({ nbf: NOW + 10 }, undefined, 11, NOW)).toBeUndefined();
    expect(verifyClaims({ nbf: NOW + 11 }, undefined, 11, NOW)).toMatch(/not valid until/);
  });

  it('requires listed claims and numbers', () => {
    expect(verifyClaims({}, ['exp'], 0, NOW)).toBe('claim exp is missing');
    expect(verifyClaims({ exp: NOW + 60 }, ['exp', 'nbf'], 0, NOW)).toBe('claim nbf is missing');
    expect(verifyClaims({ exp: '9999999999' }, undefined, 0, NOW)).toBe('claim exp is not a number');
    expect(verifyClaims({ exp: null }, ['exp'], 0, NOW)).toBe('claim exp is not a number');
  });
});

describe('consumerKey', () => {
  it('derives the key material once per consumer conf object', () => {
    const conf = { key: 'k', secret: 'cw==', base64_secret: true, algorithm: 'HS256', lifetime_grace_period: 5 };
    const k = consumerKey(conf);
    expect(k).toEqual({ algorithm: 'HS256', lifetimeGracePeriod: 5, secret: Buffer.from('s') });
    expect(consumerKey(conf)).toBe(k);
    expect(consumerKey({ ...conf })).not.toBe(k);
  });

  it('marks an undecodable base64 secret and an unparsable public key as unusable', () => {
    expect(consumerKey({ key: 'k', secret: 'a$b', base64_secret: true, algorithm: 'HS256' }).secret).toBeUndefined();
    expect(consumerKey({ key: 'k', public_key: 'nope', algorithm: 'RS256' }).publicKey).toBeUndefined();
  });
});
