import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, VIEWER_KEY, makeAdmin, makeConf } from './test-harness.case.js';

const ROUTE = { uri: '/hello', upstream: { nodes: { '127.0.0.1:1980': 1 }, type: 'roundrobin' } };

describe('admin pipeline: headers, auth, CORS', () => {
  it('sets Server, CORS, Content-Type and X-API-VERSION on resource responses', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/apisix/admin/routes');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"list":[],"total":0}\n');
    expect(r.headers.get('server')).toBe('APISIX/3.16.0');
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('x-api-version')).toBe('v3');
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    expect(r.headers.get('access-control-expose-headers')).toBe('*');
    expect(r.headers.get('access-control-max-age')).toBe('3600');
  });

  it('returns 401 missing apikey without X-API-VERSION when no token is sent', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/apisix/admin/routes', undefined, {});
    expect(r.status).toBe(401);
    expect(r.text).toBe('{"error_msg":"failed to check token","description":"missing apikey"}\n');
    expect(r.headers.get('x-api-version')).toBeNull();
  });

  it('returns 401 wrong apikey for an unknown token', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/apisix/admin/routes', undefined, { 'X-API-KEY': 'nope' });
    expect(r.status).toBe(401);
    expect(r.text).toBe('{"error_msg":"failed to check token","description":"wrong apikey"}\n');
  });

  it('accepts the token from the api_key query arg and the X-API-KEY cookie', async () => {
    const { req } = makeAdmin();
    expect((await req('GET', `/apisix/admin/routes?api_key=${ADMIN_KEY}`, undefined, {})).status).toBe(200);
    expect((await req('GET', '/apisix/admin/routes', undefined, { Cookie: `X-API-KEY=${ADMIN_KEY}` })).status).toBe(200);
  });

  it('lets the viewer role GET but not write', async () => {
    const { req } = makeAdmin();
    expect((await req('GET', '/apisix/admin/routes', undefined, { 'X-API-KEY': VIEWER_KEY })).status).toBe(200);
    const r = await req('PUT', '/apisix/admin/routes/1', ROUTE, { 'X-API-KEY': VIEWER_KEY });
    expect(r.status).toBe(401);
    expect(r.text).toBe('{"error_msg":"failed to check token","description":"invalid method for role viewer"}\n');
  });

  it('skips auth when admin_key_required is false', async () => {
    const conf = makeConf('deployment:\n  admin:\n    admin_key_required: false\n');
    const { req } = makeAdmin({ conf });
    expect((await req('GET', '/apisix/admin/routes', undefined, {})).status).toBe(200);
  });

  it('answers OPTIONS 200 before auth with the preflight headers', async () => {
    const { req } = makeAdmin();
    const r = await req('OPTIONS', '/apisix/admin/routes', undefined, {});
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('access-control-allow-methods')).toBe('POST, GET, PUT, OPTIONS, DELETE, PATCH');
    expect(r.headers.get('access-control-allow-headers')).toBe('*');
  });

  it('answers HEAD /apisix/admin with 200 and no token check', async () => {
    const { req } = makeAdmin();
    const r = await req('HEAD', '/apisix/admin', undefined, {});
    expect(r.status).toBe(200);
    expect(r.headers.get('x-api-version')).toBeNull();
  });

  it('returns nginx 404 HTML for paths outside the admin router', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/foo');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('text/html');
    expect(r.text).toContain('<center><h1>404 Not Found</h1></center>');
  });

  it('returns nginx 403 HTML for clients outside allow_admin', async () => {
    const conf = makeConf(`deployment:\n  admin:\n    admin_key_required: false\n    allow_admin: ["127.0.0.0/24"]\n`);
    const { req } = makeAdmin({ conf });
    const denied = await req(
      'GET',
      '/apisix/admin/routes',
      undefined,
      {},
      { incoming: { socket: { remoteAddress: '10.1.1.1' } } },
    );
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('403 Forbidden');
    const ok = await req(
      'GET',
      '/apisix/admin/routes',
      undefined,
      {},
      { incoming: { socket: { remoteAddress: '::ffff:127.0.0.1' } } },
    );
    expect(ok.status).toBe(200);
  });
});

describe('admin pipeline: early errors', () => {
  it('rejects an unknown resource with 404 Unsupported resource type', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/apisix/admin/routs');
    expect(r.status).toBe(404);
    expect(r.text).toBe('{"error_msg":"Unsupported resource type: routs"}\n');
    expect(r.headers.get('x-api-version')).toBeNull();
  });

  it('returns 404 not found for a method the resource does not implement', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/schema/route', {});
    expect(r.status).toBe(404);
    expect(r.text).toBe('{"error_msg":"not found"}\n');
  });

  it('returns 405 for POST on consumers with X-API-VERSION', async () => {
    const { req } = makeAdmin();
    const r = await req('POST', '/apisix/admin/consumers', { username: 'jack' });
    expect(r.status).toBe(405);
    expect(r.text).toBe('{"error_msg":"not supported `POST` method for consumer"}\n');
    expect(r.headers.get('x-api-version')).toBe('v3');
  });

  it('rejects malformed JSON with the cjson message and the raw body', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/routes/1', '{a:1}');
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      error_msg: 'invalid request body: Expected object key string but found invalid token at character 2',
      req_body: '{a:1}',
    });
  });

  it('rejects bodies over 1.5 MiB', async () => {
    const { req } = makeAdmin();
    const big = JSON.stringify({ uri: '/a', desc: 'x'.repeat(1678000) });
    const r = await req('PUT', '/apisix/admin/routes/1', big);
    expect(r.status).toBe(400);
    expect(r.text).toBe(
      `{"error_msg":"invalid request body: request size ${Buffer.byteLength(big)} is greater than the maximum size 1572864 allowed"}\n`,
    );
  });

  it('rejects a non-numeric ttl', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/routes/1?ttl=abc', ROUTE);
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"invalid argument ttl: should be a number"}\n');
  });

  it('says missing configurations for a PUT without body', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/routes/1');
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"missing configurations"}\n');
  });

  it.each([
    ['PUT', '/apisix/admin/routes/1'],
    ['PUT', '/apisix/admin/upstreams/1'],
    ['POST', '/apisix/admin/upstreams'],
  ])('answers 400, not 500, to a JSON null body on %s %s', async (method, path) => {
    const { req } = makeAdmin();
    const r = await req(method, path, 'null');
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"invalid configuration: wrong type: expected object, got userdata"}\n');
  });

  it('rejects stream routes as stream mode is disabled', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/apisix/admin/stream_routes');
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"stream mode is disabled, can not add stream routes"}\n');
  });
});
