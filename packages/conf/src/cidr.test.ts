import { describe, expect, it } from 'vitest';
import { compileAllowList, isAllowed, parseCidr } from './cidr.js';

describe('allow_admin CIDR checks', () => {
  it('allows addresses inside 127.0.0.0/24 and refuses others', () => {
    expect(isAllowed('127.0.0.1', ['127.0.0.0/24'])).toBe(true);
    expect(isAllowed('127.0.0.255', ['127.0.0.0/24'])).toBe(true);
    expect(isAllowed('127.0.1.1', ['127.0.0.0/24'])).toBe(false);
    expect(isAllowed('10.0.0.1', ['127.0.0.0/24'])).toBe(false);
  });

  it('treats an IPv4-mapped IPv6 client as its IPv4 address', () => {
    expect(isAllowed('::ffff:127.0.0.1', ['127.0.0.0/24'])).toBe(true);
  });

  it('matches IPv6 CIDRs and bare addresses', () => {
    const check = compileAllowList(['::1', '2001:db8::/32', '192.168.1.7']);
    expect(check('::1')).toBe(true);
    expect(check('2001:db8:1::5')).toBe(true);
    expect(check('2001:db9::1')).toBe(false);
    expect(check('192.168.1.7')).toBe(true);
    expect(check('192.168.1.8')).toBe(false);
  });

  it('allows everyone when allow_admin is unset and no one for an empty list', () => {
    expect(isAllowed('8.8.8.8', undefined)).toBe(true);
    expect(isAllowed('127.0.0.1', [])).toBe(false);
  });

  it('refuses a non-address client string', () => {
    expect(isAllowed('localhost', ['0.0.0.0/0'])).toBe(false);
  });

  it('rejects malformed CIDRs', () => {
    expect(parseCidr('127.0.0.0/33')).toBeUndefined();
    expect(parseCidr('127.0.0/24')).toBeUndefined();
    expect(parseCidr('1.2.3.4/x')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(() => compileAllowList(['nope'])).toThrow('invalid CIDR in allow_admin: "nope"');
  });
});
