import { ConfigStoreError, MemoryConfigStore } from '@portico/config-store';
import { describe, expect, it } from 'vitest';
import { NOW, makeAdmin } from './test-harness.case.js';

const UP = { nodes: { '127.0.0.1:1980': 1 }, type: 'roundrobin' };
const ROUTE = { uri: '/hello', upstream: UP };

describe('routes: PUT / POST', () => {
  it('creates with 201 then replaces with 200, storing only what was sent plus id and timestamps', async () => {
    const { req } = makeAdmin();
    const r1 = await req('PUT', '/apisix/admin/routes/1', ROUTE);
    expect(r1.status).toBe(201);
    expect(r1.text).toBe(
      `{"key":"/apisix/routes/1","value":{"uri":"/hello","upstream":{"nodes":{"127.0.0.1:1980":1},"type":"roundrobin"},"id":"1","create_time":${NOW},"update_time":${NOW}}}\n`,
    );
    const r2 = await req('PUT', '/apisix/admin/routes/1', ROUTE);
    expect(r2.status).toBe(200);
  });

  it('keeps the JSON type of an id taken from the body', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/routes', { ...ROUTE, id: 1 });
    expect(r.status).toBe(201);
    expect((r.json() as { key: string; value: { id: unknown } }).value.id).toBe(1);
    expect((r.json() as { key: string }).key).toBe('/apisix/routes/1');
  });

  it('rejects id mismatch, missing id and forbidden timestamps', async () => {
    const { req } = makeAdmin();
    expect((await req('PUT', '/apisix/admin/routes/1', { ...ROUTE, id: 2 })).text).toBe('{"error_msg":"wrong route id"}\n');
    expect((await req('PUT', '/apisix/admin/routes', ROUTE)).text).toBe('{"error_msg":"missing route id"}\n');
    expect((await req('PUT', '/apisix/admin/routes/1', { ...ROUTE, create_time: 1 })).text).toBe(
      '{"error_msg":"the property is forbidden:  create_time"}\n',
    );
    expect((await req('PUT', '/apisix/admin/routes/1', { ...ROUTE, upstream: { ...UP, update_time: 1 } })).text).toBe(
      '{"error_msg":"the property is forbidden:  upstream.update_time"}\n',
    );
  });

  it('generates 20-digit ids on POST and refuses ids', async () => {
    const { req } = makeAdmin();
    const r = await req('POST', '/apisix/admin/routes', ROUTE);
    expect(r.status).toBe(201);
    const body = r.json() as { key: string; value: { id: string } };
    expect(body.value.id).toMatch(/^\d{20}$/);
    expect(body.key).toBe(`/apisix/routes/${body.value.id}`);
    const r2 = await req('POST', '/apisix/admin/routes', ROUTE);
    expect(Number((r2.json() as { value: { id: string } }).value.id)).toBeGreaterThan(Number(body.value.id));
    expect((await req('POST', '/apisix/admin/routes', { ...ROUTE, id: 1 })).text).toBe(
      '{"error_msg":"wrong route id, do not need it"}\n',
    );
    expect((await req('POST', '/apisix/admin/routes/1', ROUTE)).text).toBe('{"error_msg":"wrong route id, do not need it"}\n');
  });

  it('reports schema and semantic errors with APISIX strings', async () => {
    const { req } = makeAdmin();
    const put = (b: unknown) => req('PUT', '/apisix/admin/routes/1', b).then((r) => [r.status, r.text]);
    expect(await put({ upstream: UP })).toEqual([
      400,
      '{"error_msg":"invalid configuration: allOf 1 failed: value should match only one schema, but matches none"}\n',
    ]);
    expect(await put({ ...ROUTE, methods: ['GOT'] })).toEqual([
      400,
      '{"error_msg":"invalid configuration: property \\"methods\\" validation failed: failed to validate item 1: matches none of the enum values"}\n',
    ]);
    expect(await put({ ...ROUTE, host: 'a.com', hosts: ['b.com'] })).toEqual([
      400,
      '{"error_msg":"only one of host or hosts is allowed"}\n',
    ]);
    expect(await put({ uri: '/a', upstream_id: '99999999' })).toEqual([
      400,
      '{"error_msg":"failed to fetch upstream info by upstream id [99999999], response code: 404"}\n',
    ]);
    expect(await put({ uri: '/a', service_id: 'x' })).toEqual([
      400,
      '{"error_msg":"failed to fetch service info by service id [x], response code: 404"}\n',
    ]);
    expect(await put({ ...ROUTE, plugins: { nope: {} } })).toEqual([400, '{"error_msg":"unknown plugin [nope]"}\n']);
    expect(await put({ ...ROUTE, plugins: { 'limit-count': { count: 1 } } })).toEqual([
      400,
      '{"error_msg":"failed to check the configuration of plugin limit-count err: property \\"time_window\\" is required"}\n',
    ]);
    expect(await put({ ...ROUTE, vars: [['arg_k', '=', 'v']] })).toEqual([
      400,
      '{"error_msg":"failed to validate the \'vars\' expression: invalid operator \'=\'"}\n',
    ]);
    expect(await put({ uri: '/a', upstream: { nodes: { '127.0.0.1:80': 1 }, type: 'chash' } })).toEqual([
      400,
      '{"error_msg":"missing key"}\n',
    ]);
  });

  it('does not persist plugin defaults', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/routes/1', { ...ROUTE, plugins: { 'key-auth': {} } });
    expect((r.json() as { value: { plugins: unknown } }).value.plugins).toEqual({ 'key-auth': {} });
  });

  it('attaches a lease when ttl is given', async () => {
    const store = new MemoryConfigStore();
    const { req } = makeAdmin({ store });
    expect((await req('PUT', '/apisix/admin/routes/1?ttl=30', ROUTE)).status).toBe(201);
    expect((await store.get('/apisix/routes/1'))?.lease).toBeDefined();
  });
});

describe('routes: GET', () => {
  it('returns one object with its indexes, or 404 Key not found', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/routes/1', ROUTE);
    const r = await req('GET', '/apisix/admin/routes/1');
    const body = r.json() as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['key', 'value', 'createdIndex', 'modifiedIndex']);
    expect(typeof body.createdIndex).toBe('number');
    const missing = await req('GET', '/apisix/admin/routes/2');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('{"message":"Key not found"}\n');
  });

  it('filters by name, label, uri and filter, counting before paging', async () => {
    const { req } = makeAdmin();
    for (const i of [1, 2, 10, 11]) {
      await req('PUT', `/apisix/admin/routes/${i}`, {
        ...ROUTE,
        uri: `/r${i}`,
        name: `route${i}`,
        labels: i % 2 ? { env: 'prod' } : { team: 'a' },
        ...(i === 2 ? { service_id: undefined } : {}),
      });
    }
    const ids = async (q: string) => {
      const b = (await req('GET', `/apisix/admin/routes?${q}`)).json() as { total: number; list: { value: { id: string } }[] };
      return [b.total, b.list.map((i) => i.value.id)];
    };
    expect(await ids('name=1')).toEqual([3, ['1', '10', '11']]);
    expect(await ids('label=env')).toEqual([2, ['1', '11']]);
    expect(await ids('uri=/r1')).toEqual([3, ['1', '10', '11']]);
    expect(await ids('name=1&label=team')).toEqual([1, ['10']]);
    expect(await ids('page=1&page_size=10')).toEqual([4, ['1', '2', '10', '11']]);
    expect(await ids('page=2&page_size=10')).toEqual([4, []]);
    const bad = await req('GET', '/apisix/admin/routes?page=1&page_size=5');
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('page_size must be between 10 and 500');
  });

  it('filters on whitelisted fields with string equality', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/services/s1', {});
    await req('PUT', '/apisix/admin/routes/1', { uri: '/a', service_id: 's1' });
    await req('PUT', '/apisix/admin/routes/2', ROUTE);
    const b = (await req('GET', `/apisix/admin/routes?filter=${encodeURIComponent('service_id=s1')}`)).json() as {
      total: number;
    };
    expect(b.total).toBe(1);
  });
});

describe('routes: PATCH', () => {
  it('deep merges, deletes with null and replaces arrays', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/routes/1', {
      ...ROUTE,
      methods: ['GET', 'POST'],
      upstream: { nodes: { '127.0.0.1:8080': 1, '127.0.0.1:8081': 1 }, type: 'roundrobin' },
    });
    const r = await req('PATCH', '/apisix/admin/routes/1', { methods: ['GET'], upstream: { nodes: { '127.0.0.1:8080': null } } });
    expect(r.status).toBe(200);
    const v = (r.json() as { value: Record<string, unknown> }).value;
    expect(v.methods).toEqual(['GET']);
    expect(v.upstream).toEqual({ nodes: { '127.0.0.1:8081': 1 }, type: 'roundrobin' });
  });

  it('replaces a value at a sub path', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/routes/1', ROUTE);
    const r = await req('PATCH', '/apisix/admin/routes/1/uri', '"/patched"');
    expect((r.json() as { value: { uri: string } }).value.uri).toBe('/patched');
    const bad = await req('PATCH', '/apisix/admin/routes/1/uri/x', '"y"');
    expect(bad.text).toBe('{"error_msg":"invalid sub-path: /uri1x"}\n');
  });

  it('reports missing body, non-object body and missing key', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/routes/1', ROUTE);
    expect((await req('PATCH', '/apisix/admin/routes/1')).text).toBe('{"error_msg":"missing new configuration"}\n');
    expect((await req('PATCH', '/apisix/admin/routes/1', '"x"')).text).toBe('{"error_msg":"invalid configuration"}\n');
    const r = await req('PATCH', '/apisix/admin/routes/9', { uri: '/x' });
    expect(r.status).toBe(404);
    expect(r.text).toBe('{"message":"Key not found"}\n');
  });

  it('maps a CAS conflict to 503 value changed before overwritten', async () => {
    const store = new MemoryConfigStore();
    const { req } = makeAdmin({ store });
    await req('PUT', '/apisix/admin/routes/1', ROUTE);
    const realPut = store.put.bind(store);
    store.put = async (k, v, o) => {
      if (o?.ifModRevision !== undefined) throw new ConfigStoreError('conflict', 'mod revision changed');
      return realPut(k, v, o);
    };
    const r = await req('PATCH', '/apisix/admin/routes/1', { uri: '/x' });
    expect(r.status).toBe(503);
    expect(r.text).toBe('{"error_msg":"value changed before overwritten"}\n');
  });
});

describe('routes: DELETE and store errors', () => {
  it('deletes with a string count and 404s on a missing key', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/routes/1', ROUTE);
    const r = await req('DELETE', '/apisix/admin/routes/1');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"deleted":"1","key":"/apisix/routes/1"}\n');
    expect((await req('DELETE', '/apisix/admin/routes/1')).status).toBe(404);
  });

  it('refuses to delete an upstream in use unless force=true', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/upstreams/1', UP);
    await req('PUT', '/apisix/admin/routes/1', { uri: '/a', upstream_id: '1' });
    const r = await req('DELETE', '/apisix/admin/upstreams/1?force=anyvalue');
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"can not delete this upstream, route [1] is still using it now"}\n');
    expect((await req('DELETE', '/apisix/admin/upstreams/1?force=true')).status).toBe(200);
  });

  it('maps an unavailable store to 503 with its message', async () => {
    const store = new MemoryConfigStore();
    store.get = async () => {
      throw new ConfigStoreError('unavailable', 'connection refused');
    };
    const { req } = makeAdmin({ store });
    const r = await req('GET', '/apisix/admin/routes/1');
    expect(r.status).toBe(503);
    expect(r.text).toBe('{"error_msg":"connection refused"}\n');
  });
});
