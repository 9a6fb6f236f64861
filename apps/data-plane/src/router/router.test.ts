import { describe, expect, it } from 'vitest';
import { Router, type MatchRequest, type RouteSpec } from './router.js';

function req(partial: Partial<MatchRequest> & { args?: Record<string, string> }): MatchRequest {
  const args = partial.args ?? {};
  return {
    uri: partial.uri ?? '/',
    method: partial.method ?? 'GET',
    host: partial.host ?? 'localhost',
    httpHost: partial.httpHost ?? partial.host ?? 'localhost',
    remoteAddr: partial.remoteAddr ?? '127.0.0.1',
    vars: partial.vars ?? { get: (n) => (n.startsWith('arg_') ? args[n.slice(4)] : undefined) },
  };
}

function build(specs: Omit<RouteSpec<string>, 'handle'>[]): Router<string> {
  const { router, errors } = Router.build(specs.map((s) => ({ ...s, handle: s.id })));
  expect(errors).toEqual([]);
  return router;
}

describe('Router path matching (radixtree no_param_match)', () => {
  const r = build([
    { id: 'exact', uris: ['/foo'] },
    { id: 'foo-slash-star', uris: ['/foo/*'] },
    { id: 'foo-star', uris: ['/foo*'] },
    { id: 'deep', uris: ['/foo/bar/*'] },
    { id: 'root', uris: ['/*'] },
    { id: 'param', uris: ['/user/:id'] },
  ]);
  it.each([
    ['/foo', 'exact'],
    ['/foo/', 'foo-slash-star'],
    ['/foo/x/y', 'foo-slash-star'],
    ['/foobar', 'foo-star'],
    ['/foo/bar/baz', 'deep'],
    ['/foo/bar/', 'deep'],
    ['/other', 'root'],
    ['/user/:id', 'param'],
    ['/user/42', 'root'],
  ])('matches %s to route %s', (uri, id) => {
    expect(r.match(req({ uri }))).toBe(id);
  });

  it('returns undefined when nothing matches', () => {
    const only = build([{ id: 'a', uris: ['/a'] }]);
    expect(only.match(req({ uri: '/b' }))).toBeUndefined();
    expect(only.match(req({ uri: '/a/' }))).toBeUndefined();
  });

  it('prefers an exact route over a prefix route with higher priority', () => {
    const p = build([
      { id: 'prefix', uris: ['/a*'], priority: 100 },
      { id: 'exact', uris: ['/a'], priority: -5 },
    ]);
    expect(p.match(req({ uri: '/a' }))).toBe('exact');
  });

  it('orders routes of the same path by priority, then by insertion', () => {
    const p = build([
      { id: 'low', uris: ['/p/*'], priority: 1 },
      { id: 'high', uris: ['/p/*'], priority: 10 },
      { id: 'high2', uris: ['/p/*'], priority: 10 },
    ]);
    expect(p.match(req({ uri: '/p/1' }))).toBe('high');
  });

  it('falls through to a shorter prefix when the longer one fails its filters', () => {
    const p = build([
      { id: 'long-post', uris: ['/a/b/*'], methods: ['POST'] },
      { id: 'short', uris: ['/a/*'] },
    ]);
    expect(p.match(req({ uri: '/a/b/c' }))).toBe('short');
    expect(p.match(req({ uri: '/a/b/c', method: 'POST' }))).toBe('long-post');
  });

  it('matches any of `uris`', () => {
    const p = build([{ id: 'multi', uris: ['/x', '/y/*'] }]);
    expect(p.match(req({ uri: '/x' }))).toBe('multi');
    expect(p.match(req({ uri: '/y/1' }))).toBe('multi');
    expect(p.match(req({ uri: '/z' }))).toBeUndefined();
  });
});

describe('Router methods, remote_addrs, vars', () => {
  it('matches methods and treats an empty list as any', () => {
    const p = build([
      { id: 'get', uris: ['/m'], methods: ['GET'] },
      { id: 'any', uris: ['/m'], methods: [] },
    ]);
    expect(p.match(req({ uri: '/m' }))).toBe('get');
    expect(p.match(req({ uri: '/m', method: 'DELETE' }))).toBe('any');
  });

  it.each([
    [['127.0.0.1'], '127.0.0.1', true],
    [['10.0.0.0/8'], '10.200.3.4', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['::1'], '::1', true],
    [['fe80::/10'], 'fe80::1:2', true],
    [['fe80::/10'], '::1', false],
    [['192.168.1.0/24'], '::ffff:192.168.1.7', true],
  ])('remote_addrs %j with client %s matches: %s', (addrs, ip, ok) => {
    const p = build([{ id: 'r', uris: ['/'], remoteAddrs: addrs }]);
    expect(p.match(req({ remoteAddr: ip }))).toBe(ok ? 'r' : undefined);
  });

  it('evaluates vars with AND semantics', () => {
    const p = build([
      {
        id: 'v',
        uris: ['/'],
        vars: [
          ['arg_a', '==', '1'],
          ['arg_b', '>', 5],
        ],
      },
    ]);
    expect(p.match(req({ args: { a: '1', b: '6' } }))).toBe('v');
    expect(p.match(req({ args: { a: '1', b: '5' } }))).toBeUndefined();
    expect(p.match(req({ args: { b: '6' } }))).toBeUndefined();
  });

  it('reports a route with an invalid vars expression and leaves it out', () => {
    const { router, errors } = Router.build([
      { id: 'bad', uris: ['/'], vars: [['arg_a', 'like', 'x']], handle: 'bad' },
      { id: 'good', uris: ['/'], handle: 'good' },
    ]);
    expect(errors).toEqual([{ id: 'bad', message: "invalid operator 'like'" }]);
    expect(router.match(req({}))).toBe('good');
  });
});

describe('Router hosts (radixtree_host_uri)', () => {
  const r = build([
    { id: 'hostless', uris: ['/*'] },
    { id: 'exact-host', uris: ['/api/*'], hosts: ['api.example.com'] },
    { id: 'wild', uris: ['/api/*'], hosts: ['*.example.com'] },
    { id: 'wild-deep', uris: ['/api/*'], hosts: ['*.b.example.com'] },
    { id: 'port', uris: ['/p'], hosts: ['ported.com:8080'] },
    { id: 'only-v1', uris: ['/v1'], hosts: ['API.Other.com'] },
  ]);
  it.each([
    ['api.example.com', 'api.example.com', '/api/x', 'exact-host'],
    ['x.example.com', 'x.example.com', '/api/x', 'wild'],
    ['a.b.example.com', 'a.b.example.com', '/api/x', 'wild-deep'],
    ['example.com', 'example.com', '/api/x', 'hostless'],
    ['api.example.com', 'api.example.com', '/other', 'hostless'],
    ['ported.com', 'ported.com:8080', '/p', 'port'],
    ['ported.com', 'ported.com:9090', '/p', 'hostless'],
    ['api.other.com', 'api.other.com', '/v1', 'only-v1'],
  ])('host %s (Host: %s) %s → %s', (host, httpHost, uri, id) => {
    expect(r.match(req({ host, httpHost, uri }))).toBe(id);
  });

  it('does not match a host route for another host even without a hostless fallback', () => {
    const p = build([{ id: 'h', uris: ['/'], hosts: ['a.com'] }]);
    expect(p.match(req({ host: 'b.com' }))).toBeUndefined();
    expect(p.match(req({ host: 'a.com' }))).toBe('h');
  });
});

describe('Router scale', () => {
  it('matches among 10,000 routes without scanning them', () => {
    const specs: RouteSpec<number>[] = [];
    for (let i = 0; i < 10_000; i++) {
      specs.push({ id: String(i), uris: i % 2 ? [`/svc/${i}/*`] : [`/exact/${i}`], handle: i });
    }
    const t0 = performance.now();
    const { router } = Router.build(specs);
    const buildMs = performance.now() - t0;
    expect(buildMs).toBeLessThan(500);
    const rq = req({ uri: '/svc/9999/items/1' });
    expect(router.match(rq)).toBe(9999);
    const n = 100_000;
    const t1 = performance.now();
    for (let i = 0; i < n; i++) router.match(rq);
    const perMatchUs = ((performance.now() - t1) * 1000) / n;
    expect(perMatchUs).toBeLessThan(5);
  });
});
