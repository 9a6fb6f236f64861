import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, type Upstream } from '../helpers.js';

// key-auth as APISIX answers it (reference §6, t/plugin/key-auth.t TEST 6/7).
const MISSING = '{"message":"Missing API key in request"}\n';
const INVALID = '{"message":"Invalid API key in request"}\n';

let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;
let url: string;

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  echo = await startEchoUpstream('echo');
  url = apps.dataPlanes[0]!.url;
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

interface Seen {
  url: string;
  headers: Record<string, string | undefined>;
}

async function call(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('key-auth on a route', () => {
  it('sets up a consumer and a protected route through the Admin API', async () => {
    const consumer = await adminRequest(apps, 'PUT', '/apisix/admin/consumers', {
      username: 'jack',
      plugins: { 'key-auth': { key: 'auth-one' } },
    });
    expect(consumer.status).toBe(201);
    const route = await adminRequest(apps, 'PUT', '/apisix/admin/routes/1', {
      uri: '/secure/*',
      plugins: { 'key-auth': {} },
      upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
    });
    expect(route.status).toBe(201);
    await eventually(async () => expect((await call('/secure/x', { apikey: 'auth-one' })).status).toBe(200));
  });

  it('answers 401 Missing API key with WWW-Authenticate when no key is sent', async () => {
    const r = await call('/secure/x');
    expect(r.status).toBe(401);
    expect(r.text).toBe(MISSING);
    expect(r.headers.get('www-authenticate')).toBe('apikey realm="key"');
  });

  it('answers 401 Invalid API key for an unknown key, in the header or the query', async () => {
    for (const r of [await call('/secure/x', { apikey: 'nope' }), await call('/secure/x?apikey=nope')]) {
      expect(r.status).toBe(401);
      expect(r.text).toBe(INVALID);
      expect(r.headers.get('www-authenticate')).toBe('apikey realm="key"');
    }
  });

  it('passes a valid key to the upstream with X-Consumer-Username', async () => {
    const r = await call('/secure/x', { apikey: 'auth-one' });
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.text) as Seen;
    expect(seen.headers['x-consumer-username']).toBe('jack');
    expect(seen.headers['x-credential-identifier']).toBeUndefined();
    // hide_credentials defaults to false: the key still reaches the upstream.
    expect(seen.headers.apikey).toBe('auth-one');
  });

  it('accepts the key from the query string when the header is absent', async () => {
    const r = await call('/secure/q?apikey=auth-one');
    expect(r.status).toBe(200);
    expect((JSON.parse(r.text) as Seen).url).toBe('/secure/q?apikey=auth-one');
  });

  it('authenticates with a credential of a consumer and sends X-Credential-Identifier', async () => {
    expect((await adminRequest(apps, 'PUT', '/apisix/admin/consumers', { username: 'jane' })).status).toBe(201);
    const cred = await adminRequest(apps, 'PUT', '/apisix/admin/consumers/jane/credentials/cred-jane', {
      plugins: { 'key-auth': { key: 'jane-key' } },
    });
    expect(cred.status).toBe(201);
    const r = await eventually(async () => {
      const x = await call('/secure/c', { apikey: 'jane-key' });
      expect(x.status).toBe(200);
      return x;
    });
    const seen = JSON.parse(r.text) as Seen;
    expect(seen.headers['x-consumer-username']).toBe('jane');
    expect(seen.headers['x-credential-identifier']).toBe('cred-jane');
  });

  it('refuses the credential key once the credential is deleted', async () => {
    const del = await adminRequest(apps, 'DELETE', '/apisix/admin/consumers/jane/credentials/cred-jane');
    expect(del.status).toBe(200);
    expect(del.json()).toEqual({ deleted: '1', key: '/apisix/consumers/jane/credentials/cred-jane' });
    await eventually(async () => {
      const r = await call('/secure/c', { apikey: 'jane-key' });
      expect([r.status, r.text]).toEqual([401, INVALID]);
    });
  });

  it('hides the key from the upstream with hide_credentials', async () => {
    const route = await adminRequest(apps, 'PUT', '/apisix/admin/routes/hidden', {
      uri: '/hidden',
      plugins: { 'key-auth': { hide_credentials: true } },
      upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
    });
    expect(route.status).toBe(201);
    const r = await eventually(async () => {
      const x = await call('/hidden?apikey=auth-one&keep=1');
      expect(x.status).toBe(200);
      return x;
    });
    expect((JSON.parse(r.text) as Seen).url).toBe('/hidden?keep=1');
  });
});
