import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { ipRestriction } from './index.js';
import { ipRestrictionDefinition, type IpRestrictionConf } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(ipRestrictionDefinition, conf, 'route');

function prepared(conf: Record<string, unknown>) {
  expect(check(conf)).toBeUndefined();
  return ipRestriction.prepare!(conf as unknown as IpRestrictionConf, {
    resourceKey: '/apisix/routes/1',
    scope: 'route',
    services: { logger: fakeContext().logger, prefixDir: '.' },
  });
}

function from(addr: string) {
  return Object.assign(fakeContext(), { remoteAddr: addr });
}

describe('ip-restriction schema (apisix/plugins/ip-restriction/init.lua)', () => {
  it('applies the defaults message and response_code 403', () => {
    const conf: Record<string, unknown> = { whitelist: ['10.255.254.0/24', '192.168.0.0/16'] };
    expect(check(conf)).toBeUndefined();
    expect(conf).toEqual({
      message: 'Your IP address is not allowed',
      response_code: 403,
      whitelist: ['10.255.254.0/24', '192.168.0.0/16'],
    });
  });

  it('rejects confs as APISIX words it', () => {
    expect(check({})).toBe('value should match only one schema, but matches none');
    expect(check({ whitelist: ['172.17.40.0/24'], blacklist: ['10.255.0.0/16'] })).toBe(
      'value should match only one schema, but matches both schemas 1 and 2',
    );
    expect(check({ blacklist: [] })).toBe('property "blacklist" validation failed: expect array to have at least 1 items');
    expect(check({ whitelist: ['10.255.256.0/24'] })).toBe(
      'property "whitelist" validation failed: failed to validate item 1: object matches none of the required',
    );
    expect(check({ whitelist: ['10.255.254.0/38'] })).toContain('failed to validate item 1: object matches none of the required');
    expect(check({ whitelist: ['::ffgg'] })).toContain('failed to validate item 1: object matches none of the required');
    expect(check({ whitelist: ['::1/129'] })).toBe('invalid ip address: ::1/129');
    expect(check({ whitelist: ['127.0.0.1'], message: '' })).toBe(
      'property "message" validation failed: string too short, expected at least 1, got 0',
    );
    expect(check({ whitelist: ['127.0.0.1'], message: '-1Aa#'.repeat(205) })).toBe(
      'property "message" validation failed: string too long, expected at most 1024, got 1025',
    );
    expect(check({ whitelist: ['127.0.0.1'], response_code: 409 })).toBe(
      'property "response_code" validation failed: expected 409 to be at most 404',
    );
  });

  it('runs in the access phase at priority 3000', () => {
    expect(ipRestriction.priority).toBe(3000);
    expect(typeof ipRestriction.access).toBe('function');
    expect(ipRestriction.rewrite).toBeUndefined();
  });
});

describe('ip-restriction access', () => {
  it('whitelist: lets listed IPv4/IPv6 addresses and CIDRs through, refuses the rest with 403', () => {
    const s = prepared({ whitelist: ['127.0.0.0/24', '113.74.26.106', '::1', 'fe80::/32'] });
    expect(ipRestriction.access!(from('127.0.0.9'), s)).toBeUndefined();
    expect(ipRestriction.access!(from('113.74.26.106'), s)).toBeUndefined();
    expect(ipRestriction.access!(from('::1'), s)).toBeUndefined();
    expect(ipRestriction.access!(from('fe80::1:1'), s)).toBeUndefined();
    expect(ipRestriction.access!(from('114.114.114.114'), s)).toEqual({
      status: 403,
      body: { message: 'Your IP address is not allowed' },
    });
    expect(ipRestriction.access!(from('2001:db8::2'), s)).toMatchObject({ status: 403 });
  });

  it('blacklist: refuses listed addresses with the configured message and code, lets others through', () => {
    const s = prepared({
      blacklist: ['127.0.0.0/24', '113.74.26.106', 'fe80::/32'],
      message: 'Do you want to do something bad?',
      response_code: 404,
    });
    expect(ipRestriction.access!(from('113.74.26.106'), s)).toEqual({
      status: 404,
      body: { message: 'Do you want to do something bad?' },
    });
    expect(ipRestriction.access!(from('fe80::1:1'), s)).toMatchObject({ status: 404 });
    expect(ipRestriction.access!(from('114.114.114.114'), s)).toBeUndefined();
    expect(ipRestriction.access!(from('2001:db8::2'), s)).toBeUndefined();
  });
});
