// Issue 18: bodies an attacker sends get APISIX's 4xx, and nothing reaches the store that a
// data plane would skip (the shared storedValueError check).
import { isStoredObject, storedValueError, classifyKey, kindOf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { makeAdmin } from './test-harness.case.js';

async function storedValues(store: ReturnType<typeof makeAdmin>['store']): Promise<[string, unknown][]> {
  const res = await store.list('/apisix/');
  return res.entries.map((kv) => [kv.key, JSON.parse(kv.value) as unknown]);
}

describe('hostile Admin API bodies', () => {
  it("answers a body nested deeper than cjson's 1000 levels with 400 invalid request body, not a 500", async () => {
    const { req } = makeAdmin();
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const r = await req('PUT', '/apisix/admin/routes/1', deep);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      error_msg: 'invalid request body: Found too many nested data structures (1001) at character 1001',
      req_body: deep,
    });
    const obj = '{"a":'.repeat(1001) + '1' + '}'.repeat(1001);
    const r2 = await req('PUT', '/apisix/admin/services/1', obj);
    expect(r2.status).toBe(400);
    expect((r2.json() as { error_msg: string }).error_msg).toBe(
      'invalid request body: Found too many nested data structures (1001) at character 5001',
    );
  });

  it('accepts exactly 1000 levels (the limit is inclusive)', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/services/1', `{"labels":{"a":"b"},"x":${'['.repeat(998)}${']'.repeat(998)}}`);
    // 1000 levels decode; the schema then refuses the unknown field.
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"invalid configuration: additional properties forbidden, found x"}\n');
  });

  it('refuses a chunked body over 1.5 MiB with its full size (no Content-Length to check first)', async () => {
    const { app } = makeAdmin();
    const size = 3 * 1024 * 1024;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 3; i++) c.enqueue(new Uint8Array(1024 * 1024).fill(0x20));
        c.close();
      },
    });
    const r = await app.request('/apisix/admin/routes/1', {
      method: 'PUT',
      headers: { 'X-API-KEY': 'edd1c9f034335f136f87ad84b625c8f1' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(400);
    expect(await r.text()).toBe(
      `{"error_msg":"invalid request body: request size ${size} is greater than the maximum size 1572864 allowed"}\n`,
    );
  });

  it('stores an empty-array body as the object APISIX stores (cjson: [] is an empty table, encoded {})', async () => {
    const { req, store } = makeAdmin();
    const s = await req('PUT', '/apisix/admin/services/1', '[]');
    expect(s.status).toBe(201);
    expect(s.text).toBe('{"key":"/apisix/services/1","value":{"id":"1","create_time":1700000000,"update_time":1700000000}}\n');
    const m = await req('PUT', '/apisix/admin/plugin_metadata/key-auth', '[]');
    expect(m.status).toBe(201);
    expect(m.text).toBe('{"key":"/apisix/plugin_metadata/key-auth","value":{"id":"key-auth"}}\n');
    const g = await req('PUT', '/apisix/admin/global_rules/1', '{"plugins":[]}');
    expect(g.status).toBe(201);
    expect((g.json() as { value: { plugins: unknown } }).value.plugins).toEqual({});
    const p = await req('PATCH', '/apisix/admin/services/1/plugins', '[]');
    expect(p.status).toBe(200);
    expect((p.json() as { value: { plugins: unknown } }).value.plugins).toEqual({});
    for (const [key, value] of await storedValues(store)) {
      const where = classifyKey('/apisix', key);
      if (!where) continue;
      expect(isStoredObject(value), key).toBe(true);
    }
  });

  it('refuses non-object bodies and plugin confs with a 400 and stores nothing', async () => {
    const { req, store } = makeAdmin();
    for (const [path, body] of [
      ['/apisix/admin/services/1', '[1]'],
      ['/apisix/admin/services/1', 'null'],
      ['/apisix/admin/services/1', '"str"'],
      ['/apisix/admin/plugin_metadata/key-auth', '[1]'],
      ['/apisix/admin/plugin_metadata/key-auth', '7'],
      ['/apisix/admin/global_rules/1', '{"plugins":{"prometheus":[1]}}'],
    ] as const) {
      const r = await req('PUT', path, body);
      expect(r.status, `${path} ${body}: ${r.text}`).toBe(400);
    }
    expect((await storedValues(store)).filter(([k]) => classifyKey('/apisix', k))).toEqual([]);
  });

  it('refuses a route carrying Lua (filter_func) that no data plane would serve', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/routes/1', {
      uri: '/a',
      plugins: { prometheus: {} },
      filter_func: 'function(vars) return true end',
    });
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"invalid configuration: filter_func (Lua) is not supported by Portico"}\n');
  });

  it('leaves only values the shared data-plane check accepts after a mixed sequence of writes', async () => {
    const { req, store } = makeAdmin();
    const writes: [string, string, string][] = [
      ['PUT', '/apisix/admin/services/a', '[]'],
      ['POST', '/apisix/admin/services', '[]'],
      ['PUT', '/apisix/admin/routes/r', '{"uri":"/x","plugins":{"prometheus":[]}}'],
      ['PATCH', '/apisix/admin/routes/r/plugins', '[]'],
      ['PATCH', '/apisix/admin/routes/r/plugins/prometheus', '[]'],
      ['PUT', '/apisix/admin/consumers', '{"username":"u","plugins":[]}'],
    ];
    for (const [m, p, b] of writes) expect((await req(m, p, b)).status, `${m} ${p}`).toBeLessThan(500);
    for (const [key, value] of await storedValues(store)) {
      const where = classifyKey('/apisix', key);
      if (!where) continue;
      expect(isStoredObject(value), key).toBe(true);
      const obj = value as Record<string, unknown>;
      obj.id = where.id;
      expect(storedValueError(kindOf(where.kind), obj), key).toBeUndefined();
    }
  });
});

describe('concurrent PATCH', () => {
  it('merges again into the newer value when another write won the race, so neither change is lost', async () => {
    const { req, store } = makeAdmin();
    await req('PUT', '/apisix/admin/services/1', { desc: 'base' });
    const realPut = store.put.bind(store);
    let raced = false;
    store.put = async (k, v, o) => {
      if (o?.ifModRevision !== undefined && !raced) {
        raced = true;
        // Another admin's write lands between this PATCH's read and its CAS write.
        await realPut(
          '/apisix/services/1',
          JSON.stringify({ id: '1', desc: 'base', name: 'other', create_time: 1, update_time: 1 }),
        );
      }
      return realPut(k, v, o);
    };
    const r = await req('PATCH', '/apisix/admin/services/1', { labels: { team: 'a' } });
    expect(r.status, r.text).toBe(200);
    const stored = JSON.parse((await store.get('/apisix/services/1'))!.value) as Record<string, unknown>;
    expect(stored.name).toBe('other');
    expect(stored.labels).toEqual({ team: 'a' });
  });
});
