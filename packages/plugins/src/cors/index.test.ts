import type { ResponseHead } from '@portico/plugin-sdk';
import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { cors } from './index.js';
import type { CorsConf } from './schema.js';

const check = (conf: Record<string, unknown>, type: 'route' | 'metadata' = 'route') => checkPluginConf(cors, conf, type);

/** Run rewrite + header filter for one request; returns the rewrite result and response headers. */
function run(
  conf: Record<string, unknown>,
  reqHeaders: Record<string, string>,
  method = 'GET',
  metadata?: Record<string, unknown>,
) {
  const c = { ...conf };
  expect(check(c)).toBeUndefined();
  const ctx = fakeContext({ method, headers: reqHeaders });
  if (metadata !== undefined) ctx.pluginMetadata = (n) => (n === 'cors' ? metadata : undefined);
  const s = cors.prepare!(c as unknown as CorsConf, undefined as never);
  const r = cors.rewrite!(ctx, s);
  const head: ResponseHead = { status: 200, headers: {} };
  cors.headerFilter!(ctx, s, head);
  return { r, h: head.headers };
}

describe('cors schema', () => {
  it('has priority 4000 and APISIX defaults', () => {
    expect(cors.priority).toBe(4000);
    const c: Record<string, unknown> = {};
    expect(check(c)).toBeUndefined();
    expect(c).toEqual({ allow_origins: '*', allow_methods: '*', allow_headers: '*', max_age: 5, allow_credential: false });
  });
  it("refuses '*' with allow_credential and malformed origins", () => {
    expect(check({ allow_credential: true })).toBe("you can not set '*' for other option when 'allow_credential' is true");
    expect(check({ allow_origins: 'a.com' })).toMatch(/^property "allow_origins" validation failed: failed to match pattern/);
    expect(check({ allow_origins_by_regex: ['('] })).toMatch(/^pcre_compile\(\) failed/);
  });
  it('accepts and refuses the allow_origins values cors2.t TEST 1 lists', () => {
    const good = [
      '*',
      '**',
      'null',
      'http://y.com.uk',
      'https://x.com',
      'https://x.com,http://y.com.uk',
      'https://x.com,http://y.com.uk,http://c.tv',
      'https://x.com,http://y.com.uk:12000,http://c.tv',
    ];
    const bad = [
      '',
      '*a',
      '*,http://y.com',
      'nulll',
      'http//y.com.uk',
      'x.com',
      'https://x.com,y.com.uk',
      'https://x.com,*,https://y.com.uk',
      'https://x.com,http://y.com.uk,http:c.tv',
    ];
    for (const g of good) expect(check({ allow_origins: g }), g).toBeUndefined();
    for (const b of bad) expect(check({ allow_origins: b }), b).toMatch(/^property "allow_origins" validation failed/);
  });
  it('keeps the Origin seen in rewrite when a later plugin changes the header (cors.t TEST 34)', () => {
    const c: Record<string, unknown> = { allow_origins: 'http://a.com,http://b.com' };
    check(c);
    const s = cors.prepare!(c as unknown as CorsConf, undefined as never);
    const ctx = fakeContext({ method: 'GET', headers: { origin: 'http://a.com' } });
    cors.rewrite!(ctx, s);
    ctx.headers.origin = 'http://evil.com';
    const head: ResponseHead = { status: 200, headers: {} };
    cors.headerFilter!(ctx, s, head);
    expect(head.headers['access-control-allow-origin']).toBe('http://a.com');
  });
  it('checks metadata against the metadata schema', () => {
    expect(check({ allow_origins: { k: 'http://a.com' } }, 'metadata')).toBeUndefined();
    expect(check({ allow_origins: { k: 'a.com' } }, 'metadata')).toMatch(/failed to match pattern/);
  });
});

describe('cors requests', () => {
  it("answers OPTIONS itself with 200 and '*' headers by default", () => {
    const { r, h } = run({}, { origin: 'http://a.com' }, 'OPTIONS');
    expect(r).toEqual({ status: 200 });
    expect(h).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': '*',
      'access-control-max-age': '5',
      'access-control-allow-headers': '*',
    });
  });
  it('a listed origin is echoed with Vary: Origin; an unlisted one gets no CORS headers', () => {
    const conf = {
      allow_origins: 'http://a.com,http://b.com',
      allow_methods: 'GET,POST',
      allow_headers: 'x-a',
      expose_headers: 'x-e',
      max_age: 10,
      allow_credential: true,
    };
    const ok = run(conf, { origin: 'http://b.com' });
    expect(ok.r).toBeUndefined();
    expect(ok.h).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': 'http://b.com',
      'access-control-allow-methods': 'GET,POST',
      'access-control-max-age': '10',
      'access-control-expose-headers': 'x-e',
      'access-control-allow-headers': 'x-a',
      'access-control-allow-credentials': 'true',
    });
    expect(run(conf, { origin: 'http://c.com' }).h).toEqual({ vary: 'Origin' });
  });
  it('a single configured origin is allowed only for that origin', () => {
    expect(run({ allow_origins: 'http://a.com' }, { origin: 'http://a.com' }).h['access-control-allow-origin']).toBe(
      'http://a.com',
    );
    expect(run({ allow_origins: 'http://a.com' }, { origin: 'http://z.com' }).h).toEqual({ vary: 'Origin' });
  });
  it('** echoes the origin, expands methods and reflects Access-Control-Request-Headers', () => {
    const { h } = run(
      { allow_origins: '**', allow_methods: '**', allow_headers: '**' },
      { origin: 'http://x.io', 'access-control-request-headers': 'x-y' },
    );
    expect(h['access-control-allow-origin']).toBe('http://x.io');
    expect(h['access-control-allow-methods']).toBe('GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE');
    expect(h['access-control-allow-headers']).toBe('x-y');
  });
  it('allow_origins_by_regex matches the origin (joined with |)', () => {
    const conf = { allow_origins_by_regex: ['.*\\.test\\.com$', '^http://x\\.io$'] };
    expect(run(conf, { origin: 'http://a.test.com' }).h['access-control-allow-origin']).toBe('http://a.test.com');
    expect(run(conf, { origin: 'http://x.io' }).h['access-control-allow-origin']).toBe('http://x.io');
    expect(run(conf, { origin: 'http://a.test.org' }).h['access-control-allow-origin']).toBeUndefined();
  });
  it('allow_origins_by_metadata reads plugin_metadata allow_origins by key', () => {
    const meta = { allow_origins: { team: 'http://a.com,http://b.com', other: 'http://c.com' } };
    const conf = { allow_origins_by_metadata: ['team'] };
    expect(run(conf, { origin: 'http://b.com' }, 'GET', meta).h['access-control-allow-origin']).toBe('http://b.com');
    // not in the referenced entry: with the default allow_origins '*' the local rule is not consulted
    expect(run(conf, { origin: 'http://c.com' }, 'GET', meta).h['access-control-allow-origin']).toBeUndefined();
    const strict = { allow_origins_by_metadata: ['team'], allow_origins: 'http://d.com,http://e.com' };
    expect(run(strict, { origin: 'http://c.com' }, 'GET', meta).h['access-control-allow-origin']).toBeUndefined();
    expect(run(strict, { origin: 'http://e.com' }, 'GET', meta).h['access-control-allow-origin']).toBe('http://e.com');
  });
  it('timing_allow_origins sets Timing-Allow-Origin for a matching origin', () => {
    const conf = { timing_allow_origins: 'http://a.com,http://b.com' };
    expect(run(conf, { origin: 'http://a.com' }).h['timing-allow-origin']).toBe('http://a.com');
    expect(run(conf, { origin: 'http://x.com' }).h['timing-allow-origin']).toBeUndefined();
    expect(run({ timing_allow_origins_by_regex: ['a\\.com$'] }, { origin: 'http://a.com' }).h['timing-allow-origin']).toBe(
      'http://a.com',
    );
  });
});
