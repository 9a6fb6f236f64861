import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { proxyRewrite } from './index.js';
import type { ProxyRewriteConf } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(proxyRewrite, conf, 'route');

function run(
  conf: Record<string, unknown>,
  init: { uri?: string; rawQuery?: string; headers?: Record<string, string | string[]> } = {},
  vars: Record<string, string> = {},
) {
  const c = { ...conf };
  expect(check(c)).toBeUndefined();
  const ctx = fakeContext({ method: 'GET', ...init });
  for (const [k, v] of Object.entries(vars)) ctx.vars.set(k, v);
  const r = proxyRewrite.rewrite!(ctx, proxyRewrite.prepare!(c as unknown as ProxyRewriteConf, undefined as never));
  return { r, ctx, upstreamUri: ctx.varValues.get('upstream_uri'), host: ctx.varValues.get('upstream_host') };
}

describe('proxy-rewrite schema', () => {
  it('has priority 1008 and fills use_real_request_uri_unsafe false', () => {
    expect(proxyRewrite.priority).toBe(1008);
    const c: Record<string, unknown> = { uri: '/x' };
    expect(check(c)).toBeUndefined();
    expect(c.use_real_request_uri_unsafe).toBe(false);
  });
  it('rejects what APISIX rejects, with its messages', () => {
    // The default use_real_request_uri_unsafe is filled before minProperties is checked (api7/jsonschema order).
    expect(check({})).toBeUndefined();
    expect(check({ uri: 'x' })).toMatch(/^property "uri" validation failed: failed to match pattern/);
    expect(check({ method: 'FOO' })).toBe('property "method" validation failed: matches none of the enum values');
    expect(check({ host: 'a b' })).toMatch(/^property "host" validation failed: failed to match pattern/);
    expect(check({ regex_uri: ['^/a', '/b', '^/c'] })).toBe('The length of regex_uri should be an even number');
    expect(check({ regex_uri: ['[^/test/(.*)', '/$1'] })).toMatch(
      /^invalid regex_uri\(\[\^\/test\/\(\.\*\), \/\$1\): pcre_compile\(\) failed/,
    );
    expect(check({ regex_uri: ['^/test/(.*)'] })).toMatch(
      /^property "regex_uri" validation failed: expect array to have at least 2 items/,
    );
    expect(check({ headers: { 'X-A': 'a\nb' } })).toBe('invalid value character in header');
    expect(check({ headers: { 'X A': 'v' } })).toBe('invalid field character in header');
    expect(check({ headers: { add: { 'X-A': ['a', 1] }, set: { 'X-B': 2 }, remove: ['X-C'] } })).toBeUndefined();
  });
});

describe('proxy-rewrite upstream uri', () => {
  it('uri template: $vars resolved, ? in values escaped then the path uri-encoded, original args appended', () => {
    const { upstreamUri } = run({ uri: '/test/$arg_p' }, { uri: '/old', rawQuery: 'p=a?b&q=1' }, { arg_p: 'a?b' });
    expect(upstreamUri).toBe('/test/a%253Fb?p=a?b&q=1');
  });
  // proxy-rewrite3.t TEST 22 and 24: a decoded %3f and CRLF in $uri cannot split the request line.
  const crlfUri = '/hello?0z=700&a=c HTTP/1.1\r\nHost:google.com\r\n\r\n';
  it('without uri options, a ? decoded into $uri is encoded (TEST 22)', () => {
    expect(run({ host: 'test.xxxx.com' }, { uri: crlfUri }).upstreamUri).toBe(
      '/hello%3F0z=700&a=c%20HTTP/1.1%0D%0AHost:google.com%0D%0A%0D%0A',
    );
  });
  it('uri "/$uri/remain" escapes the separator and the rest (TEST 24)', () => {
    expect(run({ uri: '/$uri/remain' }, { uri: crlfUri }, { uri: crlfUri }).upstreamUri).toBe(
      '//hello%253F0z=700&a=c%20HTTP/1.1%0D%0AHost:google.com%0D%0A%0D%0A/remain',
    );
  });
  it('uri with its own query merges the client args with &', () => {
    expect(run({ uri: '/new?x=1' }, { rawQuery: 'a=2' }).upstreamUri).toBe('/new?x=1&a=2');
  });
  it('regex_uri: the first matching pair wins, captures feed headers', () => {
    const conf = {
      regex_uri: ['^/nomatch/(.*)', '/never/$1', '^/api/(\\w+)/(.*)', '/$2/${1}'],
      headers: { set: { 'X-Api': '$1', 'X-Both': 'v-$2-$uri' } },
    };
    const { upstreamUri, ctx } = run(conf, { uri: '/api/v2/users' }, { uri: '/api/v2/users' });
    expect(upstreamUri).toBe('/users/v2');
    expect(ctx.headers['x-api']).toBe('v2');
    expect(ctx.headers['x-both']).toBe('v-users-/api/v2/users');
  });
  it('no uri options: the normalised uri is re-encoded and args kept', () => {
    expect(run({ host: 'h.io' }, { uri: '/a b', rawQuery: 'x=1' }).upstreamUri).toBe('/a%20b?x=1');
  });
  it('encodes control characters in the query part (no CRLF injection)', () => {
    expect(run({ uri: '/x?v=$arg_v' }, {}, { arg_v: 'a\r\nb' }).upstreamUri).toBe('/x?v=a%0D%0Ab');
  });
  it('use_real_request_uri_unsafe forwards the raw request target', () => {
    const { upstreamUri } = run(
      { use_real_request_uri_unsafe: true, host: 'h' },
      { uri: '/a/b' },
      { real_request_uri: '/a/%2e%2e/b?x=1' },
    );
    expect(upstreamUri).toBe('/a/%2e%2e/b?x=1');
    const withUri = run({ use_real_request_uri_unsafe: true, uri: '/new' }, {}, { real_request_uri: '/old?x=1' });
    expect(withUri.upstreamUri).toBe('/new?x=1');
  });
});

describe('proxy-rewrite host, method and headers', () => {
  it('sets $upstream_host and the upstream method', () => {
    const { host, ctx } = run({ host: 'example.com:8080', method: 'POST' });
    expect(host).toBe('example.com:8080');
    expect(ctx.upstreamMethod).toBe('POST');
  });
  it('add appends (one value per list element), set replaces, remove deletes, in that order', () => {
    const { ctx } = run(
      {
        headers: {
          add: { 'X-Multi': ['a', 2], 'X-Old': 'new' },
          set: { 'X-Set': '$arg_v', 'X-List': ['1', '2'] },
          remove: ['X-Gone'],
        },
      },
      { headers: { 'x-old': 'old', 'x-set': 'before', 'x-gone': 'bye' } },
      { arg_v: 'val' },
    );
    expect(ctx.headers['x-multi']).toEqual(['a', '2']);
    expect(ctx.headers['x-old']).toEqual(['old', 'new']);
    expect(ctx.headers['x-set']).toBe('val');
    expect(ctx.headers['x-list']).toEqual(['1', '2']);
    expect(ctx.headers['x-gone']).toBeUndefined();
  });
  it('the flat headers form sets; a value resolving to "" clears the header (nginx set_header)', () => {
    const { ctx } = run({ headers: { 'X-Api-Version': 'v2', 'X-Who': '$http_nobody' } }, { headers: { 'x-who': 'client' } });
    expect(ctx.headers['x-api-version']).toBe('v2');
    expect('x-who' in ctx.headers).toBe(false);
    const added = run({ headers: { add: { 'X-Empty': '$arg_none' } } });
    expect('x-empty' in added.ctx.headers).toBe(false);
  });
  it('a Host header edit does not change the upstream Host (nginx set $upstream_host before)', () => {
    const { ctx, host } = run({ headers: { Host: 'other.io' } }, { headers: { host: 'client.io' } });
    expect(ctx.headers.host).toBe('other.io');
    expect(host).toBe('client.io');
  });
});
