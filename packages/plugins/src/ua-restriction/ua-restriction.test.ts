import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { uaRestriction } from './index.js';
import { compilePcre } from './pcre.js';
import { uaRestrictionDefinition, type UaRestrictionConf } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(uaRestrictionDefinition, conf, 'route');

function prepared(conf: Record<string, unknown>) {
  expect(check(conf)).toBeUndefined();
  return uaRestriction.prepare!(conf as unknown as UaRestrictionConf, {
    resourceKey: '/apisix/routes/1',
    scope: 'route',
    services: { logger: fakeContext().logger, prefixDir: '.' },
  });
}

const withUa = (ua?: string | string[]) => fakeContext({ headers: ua === undefined ? {} : { 'user-agent': ua } });

describe('ua-restriction schema (apisix/plugins/ua-restriction.lua)', () => {
  it('applies the defaults bypass_missing false and message "Not allowed"', () => {
    const conf: Record<string, unknown> = { denylist: ['my-bot1'] };
    expect(check(conf)).toBeUndefined();
    expect(conf).toEqual({ denylist: ['my-bot1'], bypass_missing: false, message: 'Not allowed' });
  });

  it('rejects confs as APISIX words it', () => {
    expect(check({ allowlist: ['my-bot1'], denylist: ['my-bot1'] })).toBe(
      'value should match only one schema, but matches both schemas 1 and 2',
    );
    expect(check({})).toBe('value should match only one schema, but matches none');
    expect(check({ bypass_missing: 'foo' })).toBe(
      'property "bypass_missing" validation failed: wrong type: expected boolean, got string',
    );
    expect(check({ allowlist: 'my-bot1' })).toBe(
      'property "allowlist" validation failed: wrong type: expected array, got string',
    );
    expect(check({ denylist: 100 })).toBe('property "denylist" validation failed: wrong type: expected array, got number');
    expect(check({ message: 100 })).toBe('property "message" validation failed: wrong type: expected string, got number');
    expect(check({ denylist: ['a'], message: '' })).toBe(
      'property "message" validation failed: string too short, expected at least 1, got 0',
    );
    expect(check({ denylist: ['.+('] })).toBe('pcre_compile() failed: missing ) in ".+("');
  });

  it('runs in the access phase at priority 2999', () => {
    expect(uaRestriction.priority).toBe(2999);
    expect(typeof uaRestriction.access).toBe('function');
  });
});

describe('ua-restriction access', () => {
  it('denylist: refuses a User-Agent matching a pattern (regex, surrounding spaces ignored) with 403', () => {
    const s = prepared({ denylist: ['my-bot1', '(Baiduspider)/(\\d+)\\.(\\d+)'] });
    expect(uaRestriction.access!(withUa('my-bot1'), s)).toEqual({ status: 403, body: { message: 'Not allowed' } });
    expect(uaRestriction.access!(withUa('  Baiduspider/3.0 '), s)).toMatchObject({ status: 403 });
    expect(uaRestriction.access!(withUa('foo/bar'), s)).toBeUndefined();
    expect(uaRestriction.access!(withUa(['foo/bar', 'my-bot1']), s)).toMatchObject({ status: 403 });
  });

  it('allowlist: lets matching agents through, refuses others; several values pass when one is allowed', () => {
    const s = prepared({ allowlist: ['my-bot1', '(Baiduspider)/(\\d+)\\.(\\d+)'], message: 'go away' });
    expect(uaRestriction.access!(withUa('my-bot1'), s)).toBeUndefined();
    expect(uaRestriction.access!(withUa('Baiduspider/3.0'), s)).toBeUndefined();
    expect(uaRestriction.access!(withUa('foo/bar'), s)).toEqual({ status: 403, body: { message: 'go away' } });
    expect(uaRestriction.access!(withUa(['foo/bar', 'my-bot1']), s)).toBeUndefined();
  });

  it('checks every User-Agent line the client sent, unless a plugin replaced the header', () => {
    const lines = (first: string, sent: string[]) =>
      Object.assign(withUa(first), { headerLines: (n: string) => (n === 'user-agent' ? sent : []) });
    const deny = prepared({ denylist: ['my-bot1'] });
    expect(uaRestriction.access!(lines('my-bot2', ['my-bot2', 'my-bot1']), deny)).toMatchObject({ status: 403 });
    expect(uaRestriction.access!(lines('foo/bar', ['my-bot2', 'my-bot1']), deny)).toBeUndefined();
    const allow = prepared({ allowlist: ['my-bot1'] });
    expect(uaRestriction.access!(lines('foo/bar', ['foo/bar', 'my-bot1']), allow)).toBeUndefined();
    expect(uaRestriction.access!(lines('foo/bar', ['foo/bar']), allow)).toMatchObject({ status: 403 });
  });

  it('a missing User-Agent is refused unless bypass_missing', () => {
    expect(uaRestriction.access!(withUa(), prepared({ allowlist: ['my-bot1'] }))).toMatchObject({ status: 403 });
    expect(uaRestriction.access!(withUa(), prepared({ denylist: ['my-bot1'], bypass_missing: true }))).toBeUndefined();
  });

  it('patterns are case-sensitive, as ngx.re without the i option, unless (?i) is given', () => {
    expect(uaRestriction.access!(withUa('MY-BOT1'), prepared({ denylist: ['my-bot1'] }))).toBeUndefined();
    expect(uaRestriction.access!(withUa('MY-BOT1'), prepared({ denylist: ['(?i)my-bot1'] }))).toMatchObject({ status: 403 });
  });
});

describe('compilePcre', () => {
  it('words compile errors as lua-resty-core does', () => {
    expect(compilePcre('^b(')).toBe('pcre_compile() failed: missing ) in "^b("');
    expect(compilePcre('[a')).toBe('pcre_compile() failed: missing terminating ] for character class in "[a"');
    expect(compilePcre('*a')).toBe('pcre_compile() failed: nothing to repeat in "*a"');
    expect(compilePcre('a+')).toBeInstanceOf(RegExp);
  });

  it('keeps the PCRE anchors \\A, \\z and \\Z', () => {
    const a = compilePcre('\\Abot\\z') as RegExp;
    expect([a.test('bot'), a.test('a bot'), a.test('bot\n'), a.test('A')]).toEqual([true, false, false, false]);
    const z = compilePcre('bot\\Z') as RegExp;
    expect([z.test('my bot'), z.test('my bot\n'), z.test('bots')]).toEqual([true, true, false]);
    expect((compilePcre('[\\A]') as RegExp).test('A')).toBe(true);
  });
});
