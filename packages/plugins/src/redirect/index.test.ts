import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { parseRedirectUri, redirect } from './index.js';
import type { RedirectConf } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(redirect, conf, 'route');

function run(
  conf: Record<string, unknown>,
  init: { method?: string; uri?: string; rawQuery?: string; headers?: Record<string, string> },
  vars: Record<string, string> = {},
) {
  const c = { ...conf };
  expect(check(c)).toBeUndefined();
  const ctx = fakeContext({ method: 'GET', ...init });
  for (const [k, v] of Object.entries(vars)) ctx.vars.set(k, v);
  return redirect.rewrite!(ctx, redirect.prepare!(c as unknown as RedirectConf, undefined as never));
}

describe('redirect schema', () => {
  it('has priority 900 and fills ret_code 302, encode_uri and append_query_string false', () => {
    expect(redirect.priority).toBe(900);
    const c: Record<string, unknown> = { uri: '/x' };
    expect(check(c)).toBeUndefined();
    expect(c).toEqual({ uri: '/x', ret_code: 302, encode_uri: false, append_query_string: false });
  });
  it('requires exactly one of uri, regex_uri, http_to_https (APISIX message)', () => {
    expect(check({ uri: '/x', http_to_https: true })).toBe(
      'value should match only one schema, but matches both schemas 1 and 3',
    );
    expect(check({ ret_code: 301 })).toMatch(/^value should match only one schema, but matches none/);
  });
  it('rejects a bad regex_uri and http_to_https with append_query_string', () => {
    expect(check({ regex_uri: ['[', '/x'] })).toMatch(/^invalid regex_uri \(\[, \/x\), err:pcre_compile\(\) failed: /);
    expect(check({ http_to_https: true, append_query_string: true })).toBe(
      'only one of `http_to_https` and `append_query_string` can be configured.',
    );
  });
});

describe('redirect rewrite', () => {
  it('answers ret_code with Location built from $vars', () => {
    expect(run({ uri: '/test/$arg_a/${host}x', ret_code: 301 }, {}, { arg_a: 'b', host: 'h.io' })).toEqual({
      status: 301,
      headers: { location: '/test/b/h.iox' },
    });
  });
  it.each([
    ['/foo$$uri', '/foo$/hello'],
    ['\\$uri/foo$uri\\$uri/bar', '\\$uri/foo/hello\\$uri/bar'],
    ['$uri/$bad_var/bar', '/hello//bar'],
  ])('uri %s gives Location %s (redirect.t TEST 9-14)', (uri, location) => {
    expect(run({ uri, ret_code: 301 }, { uri: '/hello' }, { uri: '/hello' })).toEqual({ status: 301, headers: { location } });
  });
  it('keeps \\$name literally and drops text the grammar skips, as parse_uri does', () => {
    expect(parseRedirectUri('/a\\$host/\\b')).toEqual([{ text: '/a' }, { text: '\\$host' }, { text: '/' }, { text: 'b' }]);
  });
  it('regex_uri substitutes $uri; no match lets the request through', () => {
    const conf = { regex_uri: ['^/test/(.*)', 'http://test.com/${1}'] };
    expect(run(conf, { uri: '/test/a b' })).toEqual({ status: 302, headers: { location: 'http://test.com/a b' } });
    expect(run({ ...conf, encode_uri: true }, { uri: '/test/a b' })).toEqual({
      status: 302,
      headers: { location: 'http://test.com/a%20b' },
    });
    expect(run(conf, { uri: '/other' })).toBeUndefined();
  });
  it('append_query_string adds the query with ? or &', () => {
    expect(run({ uri: '/new', append_query_string: true }, { rawQuery: 'a=1' })).toEqual({
      status: 302,
      headers: { location: '/new?a=1' },
    });
    expect(run({ uri: '/new?x=y', append_query_string: true }, { rawQuery: 'a=1' })).toEqual({
      status: 302,
      headers: { location: '/new?x=y&a=1' },
    });
  });
  it('http_to_https: 301 for GET/HEAD, 308 otherwise; nothing when X-Forwarded-Proto is https', () => {
    const vars = { host: 'foo.com', request_uri: '/hello?a=1' };
    expect(run({ http_to_https: true }, {}, vars)).toEqual({ status: 301, headers: { location: 'https://foo.com/hello?a=1' } });
    expect(run({ http_to_https: true }, { method: 'POST' }, vars)).toEqual({
      status: 308,
      headers: { location: 'https://foo.com/hello?a=1' },
    });
    expect(run({ http_to_https: true }, { headers: { 'x-forwarded-proto': 'https' } }, vars)).toBeUndefined();
  });
});
