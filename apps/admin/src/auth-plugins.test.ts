/**
 * The Admin API with the real auth plugin definitions: credentials accept only auth plugins,
 * encrypted fields, APISIX's duplicate-key messages and conf errors (t/plugin/*-auth.t, credentials.t).
 */
import { MemoryConfigStore } from '@portico/config-store';
import { allPlugins } from '@portico/plugins';
import { describe, expect, it } from 'vitest';
import { NOW, makeAdmin } from './test-harness.case.js';

const admin = (store = new MemoryConfigStore()) => ({ ...makeAdmin({ store, plugins: allPlugins }), store });
const ERR = (msg: string) => `${JSON.stringify({ error_msg: msg })}\n`;

describe('credentials with the auth plugins', () => {
  it('accepts basic-auth, jwt-auth and hmac-auth credentials and stores their secrets encrypted', async () => {
    const { req, store } = admin();
    await req('PUT', '/apisix/admin/consumers', { username: 'jack' });
    const basic = await req('PUT', '/apisix/admin/consumers/jack/credentials/c-basic', {
      plugins: { 'basic-auth': { username: 'jack-user', password: 'the-password' } },
    });
    expect(basic.status).toBe(201);
    expect(basic.text).toBe(
      `{"key":"/apisix/consumers/jack/credentials/c-basic","value":{"plugins":{"basic-auth":{"username":"jack-user","password":"WvF5kpaLvIzjuk4GNIMTJg=="}},"id":"c-basic","create_time":${NOW},"update_time":${NOW}}}\n`,
    );
    const jwt = await req('PUT', '/apisix/admin/consumers/jack/credentials/c-jwt', {
      plugins: { 'jwt-auth': { key: 'jack-key', secret: 'the-password' } },
    });
    expect(jwt.status).toBe(201);
    const hmac = await req('PUT', '/apisix/admin/consumers/jack/credentials/c-hmac', {
      plugins: { 'hmac-auth': { key_id: 'jack-id', secret_key: 'the-password' } },
    });
    expect(hmac.status).toBe(201);
    const stored = async (id: string) =>
      JSON.parse((await store.get(`/apisix/consumers/jack/credentials/${id}`))!.value) as {
        plugins: Record<string, Record<string, unknown>>;
      };
    expect((await stored('c-jwt')).plugins['jwt-auth']).toEqual({ key: 'jack-key', secret: 'WvF5kpaLvIzjuk4GNIMTJg==' });
    expect((await stored('c-hmac')).plugins['hmac-auth']).toEqual({ key_id: 'jack-id', secret_key: 'WvF5kpaLvIzjuk4GNIMTJg==' });
    const got = (await req('GET', '/apisix/admin/consumers/jack/credentials/c-basic')).json() as {
      value: { plugins: { 'basic-auth': { password: string } } };
    };
    expect(got.value.plugins['basic-auth'].password).toBe('the-password');
  });

  it('refuses consumer-restriction in a credential with APISIX message', async () => {
    const { req } = admin();
    await req('PUT', '/apisix/admin/consumers', { username: 'jack' });
    const r = await req('PUT', '/apisix/admin/consumers/jack/credentials/c1', {
      plugins: { 'consumer-restriction': { whitelist: ['jack'] } },
    });
    expect(r.status).toBe(400);
    expect(r.text).toBe(ERR('only supports auth type plugins in consumer credential'));
  });

  it('checks credential confs against the consumer schema', async () => {
    const { req } = admin();
    await req('PUT', '/apisix/admin/consumers', { username: 'jack' });
    const put = (plugins: unknown) => req('PUT', '/apisix/admin/consumers/jack/credentials/c1', { plugins }).then((r) => r.text);
    expect(await put({ 'basic-auth': { username: 'u' } })).toBe(
      ERR(
        'invalid plugins configuration: failed to check the configuration of plugin basic-auth err: property "password" is required',
      ),
    );
    expect(await put({ 'hmac-auth': { key_id: 'k' } })).toBe(
      ERR(
        'invalid plugins configuration: failed to check the configuration of plugin hmac-auth err: property "secret_key" is required',
      ),
    );
    expect(await put({ 'jwt-auth': { key: 'k', algorithm: 'RS256' } })).toBe(
      ERR(
        'invalid plugins configuration: failed to check the configuration of plugin jwt-auth err: failed to validate dependent schema for "algorithm": value should match only one schema, but matches none',
      ),
    );
    expect(await put({ 'jwt-auth': { key: 'k' } })).toBe(
      ERR(
        'invalid plugins configuration: failed to check the configuration of plugin jwt-auth err: property "secret" is required when using HS based algorithms',
      ),
    );
  });
});

describe('duplicate auth keys across consumers and credentials', () => {
  it.each([
    ['basic-auth', 'username', (v: string) => ({ username: v, password: 'p' })],
    ['jwt-auth', 'key', (v: string) => ({ key: v, secret: 's' })],
    ['hmac-auth', 'key_id', (v: string) => ({ key_id: v, secret_key: 's' })],
  ] as const)('%s: refuses a second owner of the same %s, not a rewrite by the same owner', async (plugin, attr, conf) => {
    const { req } = admin();
    await req('PUT', '/apisix/admin/consumers', { username: 'case_a', plugins: { [plugin]: conf('dup') } });
    expect((await req('PUT', '/apisix/admin/consumers', { username: 'case_a', plugins: { [plugin]: conf('dup') } })).status).toBe(
      200,
    );
    const b = await req('PUT', '/apisix/admin/consumers', { username: 'case_b', plugins: { [plugin]: conf('dup') } });
    expect(b.status).toBe(400);
    expect(b.text).toBe(ERR(`duplicate ${attr} of plugin ${plugin} found with consumer: case_a`));
    await req('PUT', '/apisix/admin/consumers', { username: 'alex' });
    await req('PUT', '/apisix/admin/consumers/alex/credentials/cred-alex', { plugins: { [plugin]: conf('cred-dup') } });
    expect(
      (await req('PUT', '/apisix/admin/consumers/alex/credentials/cred-alex', { plugins: { [plugin]: conf('cred-dup') } }))
        .status,
    ).toBe(200);
    await req('PUT', '/apisix/admin/consumers', { username: 'bob' });
    const c = await req('PUT', '/apisix/admin/consumers/bob/credentials/c2', { plugins: { [plugin]: conf('cred-dup') } });
    expect(c.text).toBe(ERR(`duplicate ${attr} of plugin ${plugin} found with credential: cred-alex of consumer: alex`));
    // a secret reference is not comparable at write time: not checked
    expect(
      (await req('PUT', '/apisix/admin/consumers', { username: 'case_c', plugins: { [plugin]: conf('$env://DUP') } })).status,
    ).toBe(201);
    expect(
      (await req('PUT', '/apisix/admin/consumers', { username: 'case_d', plugins: { [plugin]: conf('$env://DUP') } })).status,
    ).toBe(201);
  });
});

describe('route confs of the auth plugins', () => {
  it('refuses invalid route confs with APISIX messages', async () => {
    const { req } = admin();
    const put = (plugins: unknown) =>
      req('PUT', '/apisix/admin/routes/1', { uri: '/x', plugins, upstream: { nodes: { '127.0.0.1:1980': 1 } } }).then(
        (r) => r.text,
      );
    expect(await put({ 'consumer-restriction': {} })).toBe(
      ERR(
        'failed to check the configuration of plugin consumer-restriction err: object matches none of the required: ["blacklist"] or ["whitelist"] or ["allowed_by_methods"]',
      ),
    );
    expect(await put({ 'hmac-auth': { clock_skew: 0 } })).toBe(
      ERR(
        'failed to check the configuration of plugin hmac-auth err: property "clock_skew" validation failed: expected 0 to be at least 1',
      ),
    );
    expect(await put({ 'jwt-auth': { claims_to_verify: ['iat'] } })).toMatch(
      /failed to check the configuration of plugin jwt-auth err: property \\"claims_to_verify\\" validation failed/,
    );
    expect(await put({ 'basic-auth': { realm: 'a"b' } })).toMatch(
      /failed to check the configuration of plugin basic-auth err: property \\"realm\\" validation failed/,
    );
  });

  it('serves the consumer schema of jwt-auth with its encrypt_fields', async () => {
    const { req } = admin();
    const r = (await req('GET', '/apisix/admin/plugins/jwt-auth?schema_type=consumer')).json() as Record<string, unknown>;
    expect(r.encrypt_fields).toEqual(['secret']);
    expect(r.required).toEqual(['key']);
  });
});
