import { MemoryConfigStore } from '@portico/config-store';
import { describe, expect, it } from 'vitest';
import { NOW, makeAdmin } from './test-harness.case.js';

describe('consumers', () => {
  it('stores encrypted key-auth keys: PUT shows ciphertext, GET shows plaintext', async () => {
    const store = new MemoryConfigStore();
    const { req } = makeAdmin({ store });
    const r = await req('PUT', '/apisix/admin/consumers', { username: 'jack', plugins: { 'key-auth': { key: 'auth-one' } } });
    expect(r.status).toBe(201);
    expect(r.text).toBe(
      `{"key":"/apisix/consumers/jack","value":{"username":"jack","plugins":{"key-auth":{"key":"4y+JvURBE6ZwRbbgaryrhg=="}},"create_time":${NOW},"update_time":${NOW}}}\n`,
    );
    expect(JSON.parse((await store.get('/apisix/consumers/jack'))!.value).plugins['key-auth'].key).toBe(
      '4y+JvURBE6ZwRbbgaryrhg==',
    );
    const g = (await req('GET', '/apisix/admin/consumers/jack')).json() as {
      value: { plugins: { 'key-auth': { key: string } } };
    };
    expect(g.value.plugins['key-auth'].key).toBe('auth-one');
  });

  it('rejects a username mismatch and bad plugin confs', async () => {
    const { req } = makeAdmin();
    expect((await req('PUT', '/apisix/admin/consumers/jack', { username: 'tom' })).text).toBe('{"error_msg":"wrong username"}\n');
    expect((await req('PUT', '/apisix/admin/consumers', {})).text).toBe(
      '{"error_msg":"invalid configuration: property \\"username\\" is required"}\n',
    );
    expect((await req('PUT', '/apisix/admin/consumers', { username: 'jack', plugins: { 'key-auth': {} } })).text).toBe(
      '{"error_msg":"invalid plugins configuration: failed to check the configuration of plugin key-auth err: property \\"key\\" is required"}\n',
    );
  });

  it('rejects a key already used by another consumer but not by itself', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/consumers', { username: 'case_a', plugins: { 'key-auth': { key: 'k1' } } });
    expect(
      (await req('PUT', '/apisix/admin/consumers', { username: 'case_a', plugins: { 'key-auth': { key: 'k1' } } })).status,
    ).toBe(200);
    const r = await req('PUT', '/apisix/admin/consumers', { username: 'case_b', plugins: { 'key-auth': { key: 'k1' } } });
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"duplicate key of plugin key-auth found with consumer: case_a"}\n');
  });

  it('lists consumers without their credentials', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/consumers', { username: 'jack' });
    await req('PUT', '/apisix/admin/consumers/jack/credentials/c1', { plugins: { 'key-auth': { key: 'x' } } });
    const b = (await req('GET', '/apisix/admin/consumers')).json() as { total: number; list: { key: string }[] };
    expect(b.total).toBe(1);
    expect(b.list.map((i) => i.key)).toEqual(['/apisix/consumers/jack']);
  });
});

describe('credentials', () => {
  it('requires the parent consumer', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/consumers/nobody/credentials/c1', { plugins: { 'key-auth': { key: 'x' } } });
    expect(r.status).toBe(404);
    expect(r.text).toBe('{"error_msg":"consumer not found"}\n');
  });

  it('creates, reads, lists and deletes a credential', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/consumers', { username: 'jack' });
    const put = await req('PUT', '/apisix/admin/consumers/jack/credentials/c1', { plugins: { 'key-auth': { key: 'the-key' } } });
    expect(put.status).toBe(201);
    expect(put.text).toBe(
      `{"key":"/apisix/consumers/jack/credentials/c1","value":{"plugins":{"key-auth":{"key":"JCX7x1qN5e9kHt0GuJfWpw=="}},"id":"c1","create_time":${NOW},"update_time":${NOW}}}\n`,
    );
    const g = (await req('GET', '/apisix/admin/consumers/jack/credentials/c1')).json() as {
      value: { plugins: { 'key-auth': { key: string } } };
    };
    expect(g.value.plugins['key-auth'].key).toBe('the-key');
    const list = (await req('GET', '/apisix/admin/consumers/jack/credentials')).json() as { total: number };
    expect(list.total).toBe(1);
    const del = await req('DELETE', '/apisix/admin/consumers/jack/credentials/c1');
    expect(del.text).toBe('{"deleted":"1","key":"/apisix/consumers/jack/credentials/c1"}\n');
    const empty = await req('GET', '/apisix/admin/consumers/jack/credentials');
    expect(empty.status).toBe(404);
    expect(empty.text).toBe('{"message":"Key not found"}\n');
  });

  it('enforces one auth plugin and credential-specific messages', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/consumers', { username: 'jack' });
    const put = (b: unknown) => req('PUT', '/apisix/admin/consumers/jack/credentials/c1', b).then((r) => r.text);
    expect(await put({ plugins: { prometheus: {} } })).toBe(
      '{"error_msg":"only supports auth type plugins in consumer credential"}\n',
    );
    expect(await put({ plugins: { 'key-auth': { key: 'a' }, 'basic-auth': { username: 'u', password: 'p' } } })).toBe(
      '{"error_msg":"invalid configuration: property \\"plugins\\" validation failed: expect object to have at most 1 properties"}\n',
    );
    expect(await put({ plugins: { nope: {} } })).toBe('{"error_msg":"invalid plugins configuration: unknown plugin [nope]"}\n');
    expect((await req('PUT', '/apisix/admin/consumers/jack/credentials', { plugins: {} })).text).toBe(
      '{"error_msg":"missing credential id"}\n',
    );
    expect((await req('POST', '/apisix/admin/consumers/jack/credentials', { plugins: {} })).status).toBe(405);
  });

  it('rejects keys duplicated across credentials, not a credential with itself', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/consumers', { username: 'alex' });
    await req('PUT', '/apisix/admin/consumers', { username: 'bob' });
    await req('PUT', '/apisix/admin/consumers/alex/credentials/cred-alex-a', { plugins: { 'key-auth': { key: 'k' } } });
    expect(
      (await req('PUT', '/apisix/admin/consumers/alex/credentials/cred-alex-a', { plugins: { 'key-auth': { key: 'k' } } }))
        .status,
    ).toBe(200);
    const r = await req('PUT', '/apisix/admin/consumers/bob/credentials/c2', { plugins: { 'key-auth': { key: 'k' } } });
    expect(r.text).toBe(
      '{"error_msg":"duplicate key of plugin key-auth found with credential: cred-alex-a of consumer: alex"}\n',
    );
    const c = await req('PUT', '/apisix/admin/consumers', { username: 'bob', plugins: { 'key-auth': { key: 'k' } } });
    expect(c.text).toBe(
      '{"error_msg":"duplicate key of plugin key-auth found with credential: cred-alex-a of consumer: alex"}\n',
    );
  });

  it('removes credentials when the consumer is deleted', async () => {
    const store = new MemoryConfigStore();
    const { req } = makeAdmin({ store });
    await req('PUT', '/apisix/admin/consumers', { username: 'jack' });
    await req('PUT', '/apisix/admin/consumers/jack/credentials/c1', { plugins: { 'key-auth': { key: 'x' } } });
    const r = await req('DELETE', '/apisix/admin/consumers/jack');
    expect(r.text).toBe('{"deleted":"1","key":"/apisix/consumers/jack"}\n');
    expect((await store.list('/apisix/consumers/')).entries).toEqual([]);
  });
});

describe('global rules, plugin configs, plugin metadata', () => {
  it('rejects a plugin already used by another global rule', async () => {
    const { req } = makeAdmin();
    expect((await req('PUT', '/apisix/admin/global_rules/1', { plugins: { prometheus: {} } })).status).toBe(201);
    const r = await req('PUT', '/apisix/admin/global_rules/2', { plugins: { prometheus: {} } });
    expect(r.text).toBe(`{"error_msg":"plugin 'prometheus' already exists in global rule with id '1'"}\n`);
    expect((await req('POST', '/apisix/admin/global_rules', { plugins: {} })).text).toBe(
      '{"error_msg":"not supported `POST` method for global rule"}\n',
    );
  });

  it('refuses to delete a plugin config used by a route', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/plugin_configs/pc', { plugins: { prometheus: {} } });
    await req('PUT', '/apisix/admin/routes/1', { uri: '/a', plugin_config_id: 'pc', upstream_id: undefined, plugins: {} });
    const r = await req('DELETE', '/apisix/admin/plugin_configs/pc');
    expect(r.text).toBe('{"error_msg":"can not delete this plugin config, route [1] is still using it now"}\n');
  });

  it('stores plugin metadata without timestamps and validates the plugin name', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/plugin_metadata/example-plugin', { skey: 'val', ikey: 1 });
    expect(r.status).toBe(201);
    expect(r.text).toBe(
      '{"key":"/apisix/plugin_metadata/example-plugin","value":{"skey":"val","ikey":1,"id":"example-plugin"}}\n',
    );
    expect((await req('PUT', '/apisix/admin/plugin_metadata/nope', {})).text).toBe('{"error_msg":"invalid plugin name"}\n');
    expect((await req('PUT', '/apisix/admin/plugin_metadata', {})).text).toBe('{"error_msg":"missing plugin name"}\n');
    expect((await req('PUT', '/apisix/admin/plugin_metadata/example-plugin', { skey: 'v' })).text).toBe(
      '{"error_msg":"invalid configuration: property \\"ikey\\" is required"}\n',
    );
  });
});
