import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { addrFromForwardedFor, parseAddr, realAddress } from './address.js';
import { realIp } from './index.js';
import { realIpDefinition, type RealIpConf } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(realIpDefinition, conf, 'route');

function prepared(conf: Record<string, unknown>) {
  expect(check(conf)).toBeUndefined();
  return realIp.prepare!(conf as unknown as RealIpConf, {
    resourceKey: '/apisix/routes/1',
    scope: 'route',
    services: { logger: fakeContext().logger, prefixDir: '.' },
  });
}

/** A context whose client address real-ip can replace; records what it was set to. */
function peer(remoteAddr: string, headers: Record<string, string | string[]> = {}) {
  const ctx = fakeContext({ headers });
  const set: { ip: string; port: number | undefined }[] = [];
  // Variables the fake resolves: http_* from the headers.
  const vars = {
    get: (n: string) => (n.startsWith('http_') ? (headers[n.slice(5).replace(/_/g, '-')] as string | undefined) : undefined),
    set: () => undefined,
  };
  return Object.assign(ctx, {
    remoteAddr,
    vars,
    set,
    setRealIp(ip: string, port?: number) {
      set.push({ ip, port });
    },
  });
}

describe('real-ip schema (apisix/plugins/real-ip.lua)', () => {
  it('requires source, checks trusted_addresses and defaults recursive to false', () => {
    expect(check({})).toBe('property "source" is required');
    expect(check({ source: 'http_xff', trusted_addresses: ['127.0.0.999'] })).toBe(
      'property "trusted_addresses" validation failed: failed to validate item 1: object matches none of the required',
    );
    expect(check({ source: 'http_xff', trusted_addresses: ['::1/129'] })).toBe('invalid ip address: ::1/129');
    const conf: Record<string, unknown> = { source: 'http_x_forwarded_for' };
    expect(check(conf)).toBeUndefined();
    expect(conf).toEqual({ source: 'http_x_forwarded_for', recursive: false });
  });

  it('runs in the rewrite phase at priority 23000', () => {
    expect(realIp.priority).toBe(23000);
    expect(typeof realIp.rewrite).toBe('function');
    expect(realIp.access).toBeUndefined();
  });
});

describe('real-ip address parsing', () => {
  it('splits ip and port as core.utils.parse_addr', () => {
    expect(parseAddr('1.1.1.1')).toEqual({ host: '1.1.1.1', port: undefined });
    expect(parseAddr('1.1.1.1:80')).toEqual({ host: '1.1.1.1', port: 80 });
    expect(parseAddr('::2')).toEqual({ host: '::2', port: undefined });
    expect(parseAddr('[::2]')).toEqual({ host: '[::2]', port: undefined });
    expect(parseAddr('[::2]:80')).toEqual({ host: '[::2]', port: 80 });
  });

  it('accepts IPv4/IPv6 literals and ports 1..65535 only', () => {
    expect(realAddress('[::2]:7090')).toEqual({ ip: '::2', port: 7090 });
    expect(realAddress('[::2]')).toEqual({ ip: '::2', port: undefined });
    expect(realAddress('1.1.1.1:0')).toEqual({ warn: 'bad port: 0' });
    expect(realAddress('1.1.1.1:65536')).toEqual({ warn: 'bad port: 65536' });
    expect(realAddress('test.com')).toEqual({ warn: 'bad address: test.com' });
    expect(realAddress('1.1.1')).toEqual({ warn: 'bad address: 1.1.1' });
  });

  it('takes the last X-Forwarded-For hop, or with recursive the right-most untrusted one', () => {
    expect(addrFromForwardedFor('::1, ::2', undefined, false)).toBe('::2');
    expect(addrFromForwardedFor('1.1.1.1,   2.2.2.2', undefined, false)).toBe('2.2.2.2');
    expect(addrFromForwardedFor('1.1.1.1', undefined, false)).toBe('1.1.1.1');
    const trusted = { match: (ip: string) => ip.startsWith('192.128.') || ip.startsWith('127.0.0.') };
    expect(addrFromForwardedFor('1.1.1.1, 192.128.1.1, 127.0.0.1', trusted, true)).toBe('1.1.1.1');
    expect(addrFromForwardedFor('1.1.1.1, 3.3.3.3, 127.0.0.1', trusted, true)).toBe('3.3.3.3');
    expect(addrFromForwardedFor('192.128.0.1, 127.0.0.1', trusted, true)).toBe('192.128.0.1');
    expect(addrFromForwardedFor('1.1.1.1, 192.128.1.1, 127.0.0.1', trusted, false)).toBe('127.0.0.1');
  });
});

describe('real-ip rewrite', () => {
  it('sets the address (and port) a variable names', () => {
    const s = prepared({ source: 'http_xff' });
    const ctx = peer('127.0.0.1', { xff: '1.1.1.1:7090' });
    expect(realIp.rewrite!(ctx, s)).toBeUndefined();
    expect(ctx.set).toEqual([{ ip: '1.1.1.1', port: 7090 }]);
  });

  it('uses the last X-Forwarded-For line and hop', () => {
    const s = prepared({ source: 'http_x_forwarded_for' });
    const ctx = peer('127.0.0.1', { 'x-forwarded-for': ['::1', '::2'] });
    realIp.rewrite!(ctx, s);
    expect(ctx.set).toEqual([{ ip: '::2', port: undefined }]);
  });

  it('reads the last of several X-Forwarded-For lines the data plane folded into one value', () => {
    const s = prepared({ source: 'http_x_forwarded_for', trusted_addresses: ['127.0.0.0/24'], recursive: true });
    const ctx = Object.assign(peer('127.0.0.1', { 'x-forwarded-for': '3.3.3.3, 127.0.0.2' }), {
      headerLines: () => ['3.3.3.3', '127.0.0.2'],
    });
    realIp.rewrite!(ctx, s);
    // Only the last line counts: its one hop is taken as sent, trusted or not.
    expect(ctx.set).toEqual([{ ip: '127.0.0.2', port: undefined }]);
  });

  it('changes nothing when the peer is not trusted, the source is missing or the address is bad', () => {
    const untrusted = peer('127.0.0.1', { 'x-forwarded-for': '1.1.1.1' });
    realIp.rewrite!(untrusted, prepared({ source: 'http_x_forwarded_for', trusted_addresses: ['192.128.0.0/16'] }));
    expect(untrusted.set).toEqual([]);

    const trusted = peer('127.0.0.1', { 'x-forwarded-for': '1.1.1.1' });
    realIp.rewrite!(trusted, prepared({ source: 'http_x_forwarded_for', trusted_addresses: ['127.0.0.0/24'] }));
    expect(trusted.set).toEqual([{ ip: '1.1.1.1', port: undefined }]);

    const missing = peer('127.0.0.1');
    realIp.rewrite!(missing, prepared({ source: 'http_xff' }));
    expect(missing.set).toEqual([]);
    expect(missing.logs).toContainEqual({ level: 'warn', obj: 'missing real address' });

    const bad = peer('127.0.0.1', { xff: 'not-an-ip' });
    realIp.rewrite!(bad, prepared({ source: 'http_xff' }));
    expect(bad.set).toEqual([]);
    expect(bad.logs).toContainEqual({ level: 'warn', obj: 'bad address: not-an-ip' });
  });

  it('answers 501 where the client address cannot be replaced, as APISIX without its runtime', () => {
    const ctx = fakeContext({ headers: { 'x-forwarded-for': '1.1.1.1' } });
    expect(realIp.rewrite!(ctx, prepared({ source: 'http_x_forwarded_for' }))).toEqual({ status: 501 });
  });
});
