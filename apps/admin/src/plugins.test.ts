import { describe, expect, it } from 'vitest';
import { makeAdmin } from './test-harness.case.js';

describe('plugin and schema endpoints', () => {
  it('lists plugin names by priority descending, without X-API-VERSION', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/apisix/admin/plugins/list');
    expect(r.status).toBe(200);
    expect(r.text).toBe('["basic-auth","key-auth","limit-count","prometheus","example-plugin"]\n');
    expect(r.headers.get('x-api-version')).toBeNull();
    const bad = await req('GET', '/apisix/admin/plugins/list?subsystem=x');
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('invalid subsystem passed');
  });

  it('serves a plugin schema with the injected _meta, or its consumer schema', async () => {
    const { req } = makeAdmin();
    const s = (await req('GET', '/apisix/admin/plugins/key-auth')).json() as Record<string, unknown>;
    expect(s.$comment).toBe('this is a mark for our injected plugin schema');
    expect(Object.keys(s.properties as object)).toEqual(['header', '_meta']);
    const c = await req('GET', '/apisix/admin/plugins/key-auth?schema_type=consumer');
    expect(c.text).toBe('{"type":"object","properties":{"key":{"type":"string"}},"required":["key"]}\n');
    expect((await req('GET', '/apisix/admin/schema/plugins/key-auth')).json()).toEqual(s);
    const nf = await req('GET', '/apisix/admin/plugins/nope');
    expect(nf.status).toBe(404);
    expect(nf.text).toBe('{"error_msg":"plugin not found in subsystem http"}\n');
    expect((await req('GET', '/apisix/admin/plugins/prometheus?schema_type=consumer')).text).toBe(
      '{"error_msg":"not found schema"}\n',
    );
  });

  it('serves core schemas and 400s unknown names', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/apisix/admin/schema/route');
    expect(r.status).toBe(200);
    expect((r.json() as { type: string }).type).toBe('object');
    const bad = await req('GET', '/apisix/admin/schema/nope');
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('{"error_msg":"not found schema: nope"}\n');
  });

  it('validates a resource against its schema only', async () => {
    const { req } = makeAdmin();
    const ok = await req('POST', '/apisix/admin/schema/validate/routes', { uri: '/a', upstream_id: 'missing' });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    const bad = await req('POST', '/apisix/admin/schema/validate/routes', { uri: '', upstream_id: 1 });
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('{"error_msg":"property \\"uri\\" validation failed: string too short, expected at least 1, got 0"}\n');
    const unk = await req('POST', '/apisix/admin/schema/validate/x', {});
    expect(unk.text).toBe('{"error_msg":"Unsupported resource type: x"}\n');
    expect((await req('POST', '/apisix/admin/schema/validate/routes', {}, {})).status).toBe(401);
  });

  it('answers plugin reload PUT with done and other methods with 405', async () => {
    const { req, store } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/plugins/reload');
    expect(r.text).toBe('done');
    expect(JSON.parse((await store.get('/apisix/plugins'))!.value)).toHaveLength(5);
    const g = await req('GET', '/apisix/admin/plugins/reload');
    expect(g.status).toBe(405);
    expect(g.text).toBe('{"error_msg":"please use PUT method to reload the plugins, GET method is not allowed."}\n');
  });
});
