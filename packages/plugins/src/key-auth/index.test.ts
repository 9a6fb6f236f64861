import type { ConsumerInfo, RequestContext } from '@portico/plugin-sdk';
import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { keyAuth, removeQueryArg } from './index.js';
import type { KeyAuthConf } from './schema.js';

const jack: ConsumerInfo = { username: 'jack', plugins: { 'key-auth': { key: 'auth-one' } }, key: '/apisix/consumers/jack' };
const anon: ConsumerInfo = { username: 'anon', plugins: {}, key: '/apisix/consumers/anon' };

function state(conf: Record<string, unknown> = {}) {
  const c = structuredClone(conf);
  expect(checkPluginConf(keyAuth, c, 'route')).toBeUndefined();
  // checkPluginConf filled the defaults: c is now a complete route conf.
  return keyAuth.prepare!(c as unknown as KeyAuthConf, {
    resourceKey: '/apisix/routes/1',
    scope: 'route',
    services: {} as never,
  });
}

function fakeCtx(headers: Record<string, string> = {}, query = '') {
  const attached: ConsumerInfo[] = [];
  const args = new URLSearchParams(query);
  const ctx = {
    headers: { ...headers },
    rawQuery: query,
    vars: { get: (n: string) => (n.startsWith('arg_') ? (args.get(n.slice(4)) ?? undefined) : undefined), set: () => undefined },
    consumers: {
      findByAuth: (plugin: string, attr: string, value: string) =>
        plugin === 'key-auth' && attr === 'key' && value === 'auth-one' ? jack : undefined,
      byUsername: (u: string) => (u === 'anon' ? anon : undefined),
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    attachConsumer: (c: ConsumerInfo) => attached.push(c),
  };
  return { ctx: ctx as unknown as RequestContext, attached };
}

describe('key-auth rewrite', () => {
  it('returns 401 Missing API key when no apikey header or query', () => {
    const { ctx } = fakeCtx();
    expect(keyAuth.rewrite!(ctx, state())).toEqual({
      status: 401,
      body: { message: 'Missing API key in request' },
      headers: { 'WWW-Authenticate': 'apikey realm="key"' },
    });
  });

  it('returns 401 Invalid API key with the configured realm for an unknown key', () => {
    const { ctx, attached } = fakeCtx({ apikey: 'nope' });
    expect(keyAuth.rewrite!(ctx, state({ realm: 'gw' }))).toEqual({
      status: 401,
      body: { message: 'Invalid API key in request' },
      headers: { 'WWW-Authenticate': 'apikey realm="gw"' },
    });
    expect(attached).toEqual([]);
  });

  it('attaches the consumer for a valid key in the default header', () => {
    const { ctx, attached } = fakeCtx({ apikey: 'auth-one' });
    expect(keyAuth.rewrite!(ctx, state())).toBeUndefined();
    expect(attached).toEqual([jack]);
    expect(ctx.headers.apikey).toBe('auth-one');
  });

  it('prefers the header over the query argument', () => {
    const { ctx } = fakeCtx({ apikey: 'wrong' }, 'apikey=auth-one');
    expect(keyAuth.rewrite!(ctx, state())).toMatchObject({ status: 401, body: { message: 'Invalid API key in request' } });
  });

  it('reads a custom header name case-insensitively and a custom query argument', () => {
    const h = fakeCtx({ 'x-api-key': 'auth-one' });
    expect(keyAuth.rewrite!(h.ctx, state({ header: 'X-API-KEY' }))).toBeUndefined();
    const q = fakeCtx({}, 'k=auth-one');
    expect(keyAuth.rewrite!(q.ctx, state({ query: 'k' }))).toBeUndefined();
    expect(q.attached).toEqual([jack]);
  });

  it('hide_credentials removes only the header that was used', () => {
    const { ctx } = fakeCtx({ apikey: 'auth-one' }, 'apikey=other&x=1');
    keyAuth.rewrite!(ctx, state({ hide_credentials: true }));
    expect(ctx.headers.apikey).toBeUndefined();
    expect(ctx.rawQuery).toBe('apikey=other&x=1');
  });

  it('hide_credentials removes only the query argument that was used', () => {
    const { ctx } = fakeCtx({ other: 'x' }, 'a=1&apikey=auth-one&b=2&apikey=again');
    keyAuth.rewrite!(ctx, state({ hide_credentials: true }));
    expect(ctx.rawQuery).toBe('a=1&b=2');
    expect(ctx.headers.other).toBe('x');
  });

  it('keeps credentials when hide_credentials is false', () => {
    const { ctx } = fakeCtx({}, 'apikey=auth-one');
    keyAuth.rewrite!(ctx, state());
    expect(ctx.rawQuery).toBe('apikey=auth-one');
  });

  it('falls back to the anonymous consumer on failure', () => {
    const { ctx, attached } = fakeCtx();
    expect(keyAuth.rewrite!(ctx, state({ anonymous_consumer: 'anon' }))).toBeUndefined();
    expect(attached).toEqual([anon]);
  });

  it('returns 401 Invalid user authorization without a challenge when the anonymous consumer is missing', () => {
    const { ctx } = fakeCtx({ apikey: 'bad' });
    expect(keyAuth.rewrite!(ctx, state({ anonymous_consumer: 'ghost' }))).toEqual({
      status: 401,
      body: { message: 'Invalid user authorization' },
    });
  });
});

describe('removeQueryArg', () => {
  it('removes encoded and bare occurrences, keeping the others verbatim', () => {
    expect(removeQueryArg('api%6Bey=1&z=%20&apikey', 'apikey')).toBe('z=%20');
    expect(removeQueryArg('', 'apikey')).toBe('');
  });
});
