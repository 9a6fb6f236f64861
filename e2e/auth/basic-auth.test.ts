// basic-auth end to end (t/plugin/basic-auth.t, basic-auth-anonymous-consumer.t): consumers and
// credentials written through the Admin API into real etcd, requests through the built data plane.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, dumpLogsOnFailure } from '../helpers.js';
import { allLogs, call, etcdValue, put, seen, startAuthStack, until, type AuthStack } from './support.js';

const PASSWORD = 'pw-Sx83kq-basic';
const CRED_PASSWORD = 'pw-Zt19aa-cred';
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const CHALLENGE = 'Basic realm="basic"';

let s: AuthStack;
beforeAll(async () => {
  s = await startAuthStack();
});
afterAll(async () => {
  await s?.stop();
});
dumpLogsOnFailure(() => s?.apps);

describe('basic-auth', () => {
  it('sets up consumers, a credential and routes through the Admin API', async () => {
    await put(s, '/apisix/admin/consumers', {
      username: 'foo',
      labels: { custom_id: 'c-7' },
      plugins: { 'basic-auth': { username: 'foo', password: PASSWORD } },
    });
    await put(s, '/apisix/admin/consumers', { username: 'rose' });
    await put(s, '/apisix/admin/consumers/rose/credentials/cred-rose', {
      plugins: { 'basic-auth': { username: 'rose-user', password: CRED_PASSWORD } },
    });
    await put(s, '/apisix/admin/consumers', { username: 'anonymous' });
    const upstream = { type: 'roundrobin', nodes: { [s.echo.node]: 1 } };
    await put(s, '/apisix/admin/routes/1', { uri: '/hello', plugins: { 'basic-auth': {} }, upstream });
    await put(s, '/apisix/admin/routes/hide', {
      uri: '/hide',
      plugins: { 'basic-auth': { hide_credentials: true, realm: 'gw' } },
      upstream,
    });
    await put(s, '/apisix/admin/routes/anon', {
      uri: '/anon',
      plugins: { 'basic-auth': { anonymous_consumer: 'anonymous' } },
      upstream,
    });
    await put(s, '/apisix/admin/routes/ghost', {
      uri: '/ghost',
      plugins: { 'basic-auth': { anonymous_consumer: 'not-found-anonymous' } },
      upstream,
    });
    await until(s, '/hello', 200, { headers: basic('foo', PASSWORD) });
  });

  it('stores the password encrypted in etcd and returns it decrypted by GET', async () => {
    const got = (await adminRequest(s.apps, 'GET', '/apisix/admin/consumers/foo')).json() as {
      value: { plugins: { 'basic-auth': { password: string } } };
    };
    expect(got.value.plugins['basic-auth'].password).toBe(PASSWORD);
    const raw = await etcdValue(s, '/apisix/consumers/foo');
    expect(raw).toContain('"username":"foo"');
    expect(raw).not.toContain(PASSWORD);
  });

  it('answers 401 Missing authorization in request with WWW-Authenticate', async () => {
    const r = await call(s.url, '/hello');
    expect([r.status, r.text, r.headers['www-authenticate']]).toEqual([
      401,
      '{"message":"Missing authorization in request"}\n',
      CHALLENGE,
    ]);
  });

  it('answers 401 Invalid authorization in request for a malformed header', async () => {
    for (const authorization of ['Bearer x', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      const r = await call(s.url, '/hello', { headers: { authorization } });
      expect([r.status, r.text, r.headers['www-authenticate']]).toEqual([
        401,
        '{"message":"Invalid authorization in request"}\n',
        CHALLENGE,
      ]);
    }
  });

  it('answers 401 Invalid user authorization for an unknown user or a wrong password', async () => {
    for (const h of [basic('bar', PASSWORD), basic('foo', 'wrong')]) {
      const r = await call(s.url, '/hello', { headers: h });
      expect([r.status, r.text]).toEqual([401, '{"message":"Invalid user authorization"}\n']);
    }
  });

  it('passes the consumer to the upstream with X-Consumer-* headers, keeping Authorization by default', async () => {
    const e = seen(await call(s.url, '/hello', { headers: { ...basic('foo', PASSWORD), 'x-credential-identifier': 'forged' } }));
    expect(e.headers['x-consumer-username']).toBe('foo');
    expect(e.headers['x-consumer-custom-id']).toBe('c-7');
    expect(e.headers['x-credential-identifier']).toBeUndefined();
    expect(e.headers.authorization).toBe(basic('foo', PASSWORD).authorization);
  });

  it('authenticates a credential and sends X-Credential-Identifier', async () => {
    const e = seen(await call(s.url, '/hello', { headers: basic('rose-user', CRED_PASSWORD) }));
    expect(e.headers['x-consumer-username']).toBe('rose');
    expect(e.headers['x-credential-identifier']).toBe('cred-rose');
  });

  it('hides Authorization with hide_credentials and uses the configured realm', async () => {
    expect(seen(await call(s.url, '/hide', { headers: basic('foo', PASSWORD) })).headers.authorization).toBeUndefined();
    expect((await call(s.url, '/hide')).headers['www-authenticate']).toBe('Basic realm="gw"');
  });

  it('lets unauthenticated requests through as the anonymous consumer', async () => {
    expect(seen(await call(s.url, '/anon')).headers['x-consumer-username']).toBe('anonymous');
    expect(seen(await call(s.url, '/anon', { headers: basic('foo', PASSWORD) })).headers['x-consumer-username']).toBe('foo');
  });

  it('answers 401 Invalid user authorization when the anonymous consumer does not exist', async () => {
    const r = await call(s.url, '/ghost');
    expect([r.status, r.text, r.headers['www-authenticate']]).toEqual([
      401,
      '{"message":"Invalid user authorization"}\n',
      CHALLENGE,
    ]);
  });

  it('stops accepting a password once the credential is deleted', async () => {
    expect((await adminRequest(s.apps, 'DELETE', '/apisix/admin/consumers/rose/credentials/cred-rose')).status).toBe(200);
    await until(s, '/hello', 401, { headers: basic('rose-user', CRED_PASSWORD) });
  });

  it('refuses a second consumer with the same basic-auth username', async () => {
    const r = await adminRequest(s.apps, 'PUT', '/apisix/admin/consumers', {
      username: 'foo2',
      plugins: { 'basic-auth': { username: 'foo', password: 'x' } },
    });
    expect([r.status, r.text]).toEqual([
      400,
      '{"error_msg":"duplicate username of plugin basic-auth found with consumer: foo"}\n',
    ]);
  });

  it('never writes a password to any log', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const logs = allLogs(s);
    // the access log and the plugin's warnings are there, without the secrets
    expect(logs).toContain('GET /ghost HTTP/1.1');
    expect(logs).toContain('failed to find user: invalid user');
    for (const secret of [PASSWORD, CRED_PASSWORD, Buffer.from(`foo:${PASSWORD}`).toString('base64')])
      expect(logs).not.toContain(secret);
  });
});
