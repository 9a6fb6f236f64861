import { describe, expect, it } from 'vitest';
import { parseJwt } from './parse.js';
import { argRepeated, removeCookie } from './token.js';

const seg = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('parseJwt (lua-resty-jwt load_jwt rules)', () => {
  it('splits on dots ignoring empty segments', () => {
    const r = parseJwt(`${seg({ alg: 'HS256' })}..${seg({ key: 'k' })}.sig.`);
    expect(r).toMatchObject({ ok: true, jwt: { header: { alg: 'HS256' }, payload: { key: 'k' }, signature: 'sig' } });
  });

  it('needs exactly three segments (four or five would be a JWE)', () => {
    expect(parseJwt(`${seg({})}.${seg({})}`)).toEqual({ ok: false, reason: 'invalid jwt string' });
    expect(parseJwt(`${seg({})}.${seg({})}.a.b`)).toEqual({ ok: false, reason: 'invalid jwt string' });
  });

  it('refuses header or payload that are not base64url JSON objects', () => {
    expect(parseJwt(`%%.${seg({})}.s`)).toEqual({ ok: false, reason: 'invalid header' });
    expect(parseJwt(`${seg({})}.${seg(7)}.s`)).toEqual({ ok: false, reason: 'invalid payload' });
    expect(parseJwt(`${seg({})}.${Buffer.from('{nope').toString('base64url')}.s`)).toEqual({
      ok: false,
      reason: 'invalid payload',
    });
  });

  it('keeps the signed input as sent', () => {
    const h = seg({ alg: 'HS256' });
    const p = seg({ key: 'k' });
    expect(parseJwt(`${h}.${p}.s`)).toMatchObject({ ok: true, jwt: { signingInput: `${h}.${p}` } });
  });
});

describe('removeCookie (APISIX remove_specified_cookie)', () => {
  it('drops the named cookie and rebuilds the rest with "; "', () => {
    expect(removeCookie('a=1; jwt=x.y.z;b=2', 'jwt')).toBe('a=1; b=2');
  });
  it('keeps only name=value pairs of the characters APISIX matches', () => {
    expect(removeCookie('a=b%20c; jwt=t; d=e', 'jwt')).toBe('a=b; d=e');
  });
});

describe('argRepeated', () => {
  it('counts decoded argument names', () => {
    expect(argRepeated('jwt=a&x=1', 'jwt')).toBe(false);
    expect(argRepeated('jwt=a&%6Awt=b', 'jwt')).toBe(true);
    expect(argRepeated('jwtx=a&jwt=b', 'jwt')).toBe(false);
  });
});
