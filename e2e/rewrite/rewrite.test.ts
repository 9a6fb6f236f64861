// proxy-rewrite, response-rewrite, cors, redirect and fault-injection through the built admin and
// data plane with a real etcd, a local upstream that echoes what it receives, and a mock LLM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, type Upstream } from '../helpers.js';
import { call, putAndServe, startTestUpstream, type Echoed, type RawResponse } from './support.js';

let etcd: EtcdProcess;
let apps: PorticoApps;
let up: Upstream;
let llm: MockLlm;
let dp: string;

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  up = await startTestUpstream();
  llm = await startMockLlm({ apiKey: 'llm-key' });
  dp = apps.dataPlanes[0]!.url;
});
afterAll(async () => {
  await apps?.stop();
  await up?.close();
  await llm?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

const upstream = () => ({ type: 'roundrobin', nodes: { [up.node]: 1 } });
const served = (r: RawResponse) => r.status !== 404;
const echoed = (r: RawResponse) => JSON.parse(r.body) as Echoed;

function nginxPage(title: string): string {
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n`;
}

describe('Admin API checks', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['proxy-rewrite', { regex_uri: ['^/a', '/b', '^/c'] }, 'The length of regex_uri should be an even number'],
    ['proxy-rewrite', { method: 'FETCH' }, 'property "method" validation failed: matches none of the enum values'],
    ['response-rewrite', { body: 'x', body_base64: true }, 'invalid base64 content'],
    ['cors', { allow_credential: true }, "you can not set '*' for other option when 'allow_credential' is true"],
    ['redirect', { uri: '/x', http_to_https: true }, 'value should match only one schema, but matches both schemas 1 and 3'],
    [
      'redirect',
      { http_to_https: true, append_query_string: true },
      'only one of `http_to_https` and `append_query_string` can be configured.',
    ],
    ['fault-injection', { abort: { body: 'x' } }, 'property "abort" validation failed: property "http_status" is required'],
  ];
  it.each(cases)('%s %j is refused with APISIX message', async (name, conf, msg) => {
    const r = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', {
      uri: '/bad',
      plugins: { [name]: conf },
      upstream: upstream(),
    });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error_msg: `failed to check the configuration of plugin ${name} err: ${msg}` });
  });
});

describe('proxy-rewrite', () => {
  it('rewrites uri (regex_uri), host, method and headers of the proxied request', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/pr',
      {
        uri: '/pr/*',
        plugins: {
          'proxy-rewrite': {
            regex_uri: ['^/pr/(\\w+)/(.*)', '/v2/$2/${1}'],
            host: 'backend.internal',
            method: 'PUT',
            headers: {
              add: { 'X-Added': ['one', 2] },
              set: { 'X-Api-Version': '$1', 'X-From-Arg': '$arg_team', 'X-Forwarded-For': '22.22.22.22' },
              remove: ['X-Secret'],
            },
          },
        },
        upstream: upstream(),
      },
      { path: '/pr/x/y', ready: served },
    );
    const r = await call(`${dp}/pr/users/list%20all?team=ai&x=1`, {
      headers: { 'X-Secret': 's3cr3t', 'X-Added': 'zero', Host: 'client.example' },
    });
    expect(r.status).toBe(200);
    const seen = echoed(r);
    expect(seen.method).toBe('PUT');
    expect(seen.url).toBe('/v2/list%20all/users?team=ai&x=1');
    expect(seen.headers.host).toBe('backend.internal');
    expect(seen.headers['x-added']).toBe('zero, one, 2');
    expect(seen.headers['x-api-version']).toBe('users');
    expect(seen.headers['x-from-arg']).toBe('ai');
    expect(seen.headers['x-secret']).toBeUndefined();
    // X-Forwarded-For set by the plugin, then the client address appended by the proxy.
    expect(seen.headers['x-forwarded-for']).toBe('22.22.22.22, 127.0.0.1');
  });

  it('the flat headers form and a uri template with $vars', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/pr2',
      {
        uri: '/pr2',
        plugins: { 'proxy-rewrite': { uri: '/fixed/$arg_id', headers: { 'X-Api-Key': 'upstream-key' } } },
        upstream: upstream(),
      },
      { path: '/pr2', ready: served },
    );
    const seen = echoed(await call(`${dp}/pr2?id=7`));
    expect(seen.url).toBe('/fixed/7?id=7');
    expect(seen.method).toBe('GET');
    expect(seen.headers['x-api-key']).toBe('upstream-key');
  });

  it('header edits reach ai-proxy (it forwards the client headers); uri and method do not', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/pr-ai',
      {
        uri: '/pr-ai',
        plugins: {
          'proxy-rewrite': { uri: '/elsewhere', method: 'PUT', headers: { set: { 'X-Team': 'ml' }, remove: ['X-Drop'] } },
          'ai-proxy': {
            provider: 'openai',
            auth: { header: { Authorization: 'Bearer llm-key' } },
            options: { model: 'gpt-4' },
            override: { endpoint: llm.url },
          },
        },
      },
      { path: '/pr-ai', ready: served },
    );
    const before = llm.requests.length;
    const r = await call(`${dp}/pr-ai`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Drop': 'x' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(200);
    const got = llm.requests.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.method).toBe('POST');
    expect(got[0]!.path).toBe('/v1/chat/completions');
    expect(got[0]!.headers['x-team']).toBe('ml');
    expect(got[0]!.headers['x-drop']).toBeUndefined();
  });
});

describe('response-rewrite', () => {
  it('replaces status, headers and body of an upstream response', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/rr',
      {
        uri: '/status/*',
        plugins: {
          'response-rewrite': {
            status_code: 202,
            body: '{"code":"ok","message":"new json body"}\n',
            headers: {
              set: { 'X-Server-Id': 3, 'X-Uri': '$uri' },
              add: ['X-Extra: a', 'X-Extra: b'],
              remove: ['access-control-allow-origin'],
            },
          },
        },
        upstream: upstream(),
      },
      { path: '/status/200', ready: (r) => r.status === 202 },
    );
    const r = await call(`${dp}/status/200`);
    expect(r.status).toBe(202);
    expect(r.body).toBe('{"code":"ok","message":"new json body"}\n');
    expect(r.headers['x-server-id']).toBe('3');
    expect(r.headers['x-uri']).toBe('/status/200');
    expect(r.rawHeaders.get('x-extra')).toEqual(['a', 'b']);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.headers['content-type']).toBe('application/json');
  });

  it('filters rewrite a chunked body and a gzip body (sent decoded)', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/rr-f',
      {
        uris: ['/text', '/gzip'],
        plugins: {
          'response-rewrite': {
            filters: [
              { regex: 'hello', replace: 'bye', scope: 'global' },
              { regex: '(\\d+)', replace: '<$1>' },
              { regex: 'secret', replace: '******' },
            ],
          },
        },
        upstream: upstream(),
      },
      { path: '/text', ready: served },
    );
    const t = await call(`${dp}/text`);
    expect(t.body).toBe('bye world, bye world');
    expect(t.headers.etag).toBeUndefined();
    const g = await call(`${dp}/gzip`, { headers: { 'accept-encoding': 'gzip' } });
    expect(g.headers['content-encoding']).toBeUndefined();
    expect(g.body).toBe('the ****** is <42>');
  });

  it('vars limit it to matching responses, gateway errors included', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/rr-v',
      {
        uri: '/rr-v',
        plugins: {
          'response-rewrite': {
            vars: [['status', '==', 502]],
            body: '{"error":"upstream down"}\n',
            headers: { 'Content-Type': 'application/json' },
          },
        },
        upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1': 1 } },
      },
      { path: '/rr-v', ready: served },
    );
    const r = await call(`${dp}/rr-v`);
    expect(r.status).toBe(502);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe('{"error":"upstream down"}\n');
  });
});

describe('cors', () => {
  const corsRoute = () => ({
    uri: '/cors',
    plugins: {
      cors: {
        allow_origins: 'http://a.example,http://b.example',
        allow_methods: 'GET,POST',
        allow_headers: 'x-custom',
        expose_headers: 'x-expose',
        max_age: 60,
        allow_credential: true,
        timing_allow_origins: 'http://a.example',
      },
    },
    upstream: upstream(),
  });

  it('answers a preflight itself (200, empty body, upstream not called)', async () => {
    await putAndServe(apps, '/apisix/admin/routes/cors', corsRoute(), { path: '/cors', ready: served });
    const r = await call(`${dp}/cors`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://b.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.headers['x-upstream']).toBeUndefined();
    expect(r.headers['access-control-allow-origin']).toBe('http://b.example');
    expect(r.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(r.headers['access-control-allow-headers']).toBe('x-custom');
    expect(r.headers['access-control-expose-headers']).toBe('x-expose');
    expect(r.headers['access-control-max-age']).toBe('60');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers.vary).toBe('Origin');
    expect(r.headers['timing-allow-origin']).toBeUndefined();
  });

  it('adds the headers to proxied responses and leaves unknown origins without them', async () => {
    const ok = await call(`${dp}/cors`, { headers: { Origin: 'http://a.example' } });
    expect(ok.headers['x-upstream']).toBe('echo');
    expect(ok.headers['access-control-allow-origin']).toBe('http://a.example');
    expect(ok.headers['timing-allow-origin']).toBe('http://a.example');
    const no = await call(`${dp}/cors`, { headers: { Origin: 'http://evil.example' } });
    expect(no.headers['access-control-allow-origin']).toBeUndefined();
    expect(no.headers.vary).toBe('Origin');
  });

  it('allow_origins_by_regex and allow_origins_by_metadata (plugin_metadata)', async () => {
    const meta = await adminRequest(apps, 'PUT', '/apisix/admin/plugin_metadata/cors', {
      allow_origins: { partners: 'http://p1.example,http://p2.example' },
    });
    expect([200, 201]).toContain(meta.status);
    await putAndServe(
      apps,
      '/apisix/admin/routes/cors2',
      {
        uri: '/cors2',
        // allow_origins other than '*': cors.lua consults the local rules (here the regex)
        // when the metadata entry does not allow the origin.
        plugins: {
          cors: {
            allow_origins: 'http://local.example',
            allow_origins_by_regex: ['^http://.*\\.test\\.example$'],
            allow_origins_by_metadata: ['partners'],
          },
        },
        upstream: upstream(),
      },
      { path: '/cors2', ready: served },
    );
    const re = await call(`${dp}/cors2`, { headers: { Origin: 'http://x.test.example' } });
    expect(re.headers['access-control-allow-origin']).toBe('http://x.test.example');
    await (async () => {
      for (let i = 0; i < 100; i++) {
        const m = await call(`${dp}/cors2`, { headers: { Origin: 'http://p2.example' } });
        if (m.headers['access-control-allow-origin'] === 'http://p2.example') return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('metadata origin never allowed');
    })();
    const none = await call(`${dp}/cors2`, { headers: { Origin: 'http://p3.example' } });
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('also decorates errors the gateway answers itself (401 from key-auth)', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/cors3',
      { uri: '/cors3', plugins: { cors: { allow_origins: '**' }, 'key-auth': {} }, upstream: upstream() },
      { path: '/cors3', ready: served },
    );
    const r = await call(`${dp}/cors3`, { headers: { Origin: 'http://any.example' } });
    expect(r.status).toBe(401);
    expect(r.body).toBe('{"message":"Missing API key in request"}\n');
    expect(r.headers['access-control-allow-origin']).toBe('http://any.example');
  });
});

describe('redirect', () => {
  it('http_to_https answers 301 for GET and 308 for POST with nginx pages', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/rd',
      { uri: '/rd', host: 'foo.example', plugins: { redirect: { http_to_https: true } }, upstream: upstream() },
      { path: '/rd', ready: () => true },
    );
    const probe = async () => call(`${dp}/rd?a=1`, { headers: { Host: 'foo.example' } });
    let r = await probe();
    for (let i = 0; i < 100 && r.status === 404; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await probe();
    }
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://foo.example/rd?a=1');
    expect(r.body).toBe(nginxPage('301 Moved Permanently'));
    const p = await call(`${dp}/rd?a=1`, { method: 'POST', headers: { Host: 'foo.example' } });
    expect(p.status).toBe(308);
    expect(p.body).toBe(nginxPage('308 Permanent Redirect'));
    const already = await call(`${dp}/rd`, { headers: { Host: 'foo.example', 'X-Forwarded-Proto': 'https' } });
    expect(already.status).toBe(200);
  });

  it('regex_uri with append_query_string; unmatched uris are proxied', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/rd2',
      {
        uri: '/old/*',
        plugins: { redirect: { regex_uri: ['^/old/(a.*)', '/new/$1'], ret_code: 307, append_query_string: true } },
        upstream: upstream(),
      },
      { path: '/old/x', ready: served },
    );
    const r = await call(`${dp}/old/abc?q=1`);
    expect(r.status).toBe(307);
    expect(r.headers.location).toBe('/new/abc?q=1');
    expect((await call(`${dp}/old/zzz`)).headers['x-upstream']).toBe('echo');
  });
});

describe('fault-injection', () => {
  it('aborts with status, $var body and headers when vars match', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/fi',
      {
        uri: '/fi',
        plugins: {
          'fault-injection': {
            abort: {
              http_status: 403,
              body: '{"count": $arg_count}',
              headers: { 'X-Fault': 'yes', 'X-N': 2 },
              vars: [[['arg_name', '==', 'jack']]],
            },
          },
        },
        upstream: upstream(),
      },
      { path: '/fi', ready: served },
    );
    const r = await call(`${dp}/fi?name=jack&count=2`);
    expect(r.status).toBe(403);
    expect(r.body).toBe('{"count": 2}');
    expect(r.headers['x-fault']).toBe('yes');
    expect(r.headers['x-n']).toBe('2');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    const pass = await call(`${dp}/fi?name=rose`);
    expect(pass.status).toBe(200);
    expect(pass.headers['x-upstream']).toBe('echo');
  });

  it('delays the request, then proxies it; an abort without body gets the nginx page', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/fi2',
      { uri: '/fi2', plugins: { 'fault-injection': { delay: { duration: 0.5 } } }, upstream: upstream() },
      { path: '/fi2', ready: served },
    );
    const r = await call(`${dp}/fi2`);
    expect(r.status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(480);
    await putAndServe(
      apps,
      '/apisix/admin/routes/fi3',
      { uri: '/fi3', plugins: { 'fault-injection': { abort: { http_status: 503 } } }, upstream: upstream() },
      { path: '/fi3', ready: served },
    );
    const a = await call(`${dp}/fi3`);
    expect(a.status).toBe(503);
    expect(a.body).toBe(nginxPage('503 Service Temporarily Unavailable'));
  });
});

describe('a global rule and a route with the same plugin', () => {
  afterAll(async () => {
    await adminRequest(apps, 'DELETE', '/apisix/admin/global_rules/rw');
  });

  it('both run, the route after the global rule, so the route conf wins where they overlap', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/gr',
      {
        uri: '/gr',
        plugins: {
          'proxy-rewrite': { headers: { set: { 'X-Scope': 'route' } } },
          'response-rewrite': { headers: { set: { 'X-Resp': 'route' } } },
        },
        upstream: upstream(),
      },
      { path: '/gr', ready: served },
    );
    const g = await adminRequest(apps, 'PUT', '/apisix/admin/global_rules/rw', {
      plugins: {
        'proxy-rewrite': { headers: { set: { 'X-Scope': 'global', 'X-Global-Only': 'g' } } },
        'response-rewrite': { headers: { set: { 'X-Resp': 'global', 'X-Resp-Global': 'g' } } },
      },
    });
    expect([200, 201]).toContain(g.status);
    let r = await call(`${dp}/gr`);
    for (let i = 0; i < 100 && echoed(r).headers['x-global-only'] === undefined; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await call(`${dp}/gr`);
    }
    const seen = echoed(r);
    expect(seen.headers['x-scope']).toBe('route');
    expect(seen.headers['x-global-only']).toBe('g');
    expect(r.headers['x-resp']).toBe('route');
    expect(r.headers['x-resp-global']).toBe('g');
  });

  it('a preflight answered by a global cors carries only the global headers', async () => {
    await putAndServe(
      apps,
      '/apisix/admin/routes/gr-cors',
      { uri: '/gr-cors', plugins: { cors: { allow_origins: '**', allow_methods: 'PUT' } }, upstream: upstream() },
      { path: '/gr-cors', ready: served },
    );
    const g = await adminRequest(apps, 'PUT', '/apisix/admin/global_rules/rw', { plugins: { cors: { allow_methods: 'GET' } } });
    expect([200, 201]).toContain(g.status);
    let r = await call(`${dp}/gr-cors`, { method: 'OPTIONS', headers: { Origin: 'http://o.example' } });
    for (let i = 0; i < 100 && r.headers['access-control-allow-methods'] !== 'GET'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await call(`${dp}/gr-cors`, { method: 'OPTIONS', headers: { Origin: 'http://o.example' } });
    }
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-methods']).toBe('GET');
    expect(r.headers['access-control-allow-origin']).toBe('*');
    // A GET reaches the route: both header filters run, the route's last.
    const get = await call(`${dp}/gr-cors`, { headers: { Origin: 'http://o.example' } });
    expect(get.headers['access-control-allow-methods']).toBe('PUT');
    expect(get.headers['access-control-allow-origin']).toBe('http://o.example');
  });
});
