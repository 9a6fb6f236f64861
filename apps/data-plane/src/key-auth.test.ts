import { getPlugin } from '@portico/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  echoHandler,
  rawRequest,
  startTestDataPlane,
  startUpstream,
  type TestDataPlane,
  type TestUpstream,
} from './testing.case.js';

// Keys as the Admin API stores them: AES-128-CBC with APISIX's default keyring (apisix-admin.md §6).
const AUTH_ONE = '4y+JvURBE6ZwRbbgaryrhg==';
const THE_KEY = 'JCX7x1qN5e9kHt0GuJfWpw==';

let t: TestDataPlane;
let up: TestUpstream;

beforeAll(async () => {
  t = await startTestDataPlane({ plugins: [getPlugin('key-auth')!] });
  up = await startUpstream(echoHandler);
  const upstream = { nodes: { [up.addr]: 1 } };
  await t.put('consumers/jack', { username: 'jack', labels: { custom_id: 'c-42' }, plugins: { 'key-auth': { key: AUTH_ONE } } });
  await t.put('consumers/rose', { username: 'rose' });
  await t.put('consumers/rose/credentials/cred-1', { plugins: { 'key-auth': { key: THE_KEY } } });
  await t.put('consumers/ghost/credentials/cred-x', { plugins: { 'key-auth': { key: 'orphan' } } });
  await t.put('consumers/plain', { username: 'plain', plugins: { 'key-auth': { key: 'not-encrypted' } } });
  await t.put('routes/1', { uri: '/ka', plugins: { 'key-auth': {} }, upstream });
  await t.put('routes/2', { uri: '/ka-hide', plugins: { 'key-auth': { hide_credentials: true, header: 'X-Key' } }, upstream });
});

afterAll(async () => {
  await t.close();
  await up.close();
});

interface Echo {
  url: string;
  headers: Record<string, string | undefined>;
}

describe('key-auth through the data plane', () => {
  it('returns 401 Missing API key in request with WWW-Authenticate and the APISIX Server header', async () => {
    const res = await rawRequest(`${t.url}/ka`);
    expect(res.status).toBe(401);
    expect(res.body).toBe('{"message":"Missing API key in request"}\n');
    expect(res.headers['www-authenticate']).toBe('apikey realm="key"');
    expect(res.headers.server).toBe('APISIX/3.16.0');
  });

  it('returns 401 Invalid API key in request for an unknown key', async () => {
    const res = await rawRequest(`${t.url}/ka`, { headers: { apikey: 'nope' } });
    expect(res.status).toBe(401);
    expect(res.body).toBe('{"message":"Invalid API key in request"}\n');
  });

  it('accepts a consumer key stored encrypted and sets X-Consumer-* upstream headers', async () => {
    const res = await rawRequest(`${t.url}/ka`, { headers: { apikey: 'auth-one', 'x-credential-identifier': 'forged' } });
    expect(res.status).toBe(200);
    const e = JSON.parse(res.body) as Echo;
    expect(e.headers['x-consumer-username']).toBe('jack');
    expect(e.headers['x-consumer-custom-id']).toBe('c-42');
    expect(e.headers['x-credential-identifier']).toBeUndefined();
    expect(e.headers.apikey).toBe('auth-one');
  });

  it('maps a credential back to its consumer with X-Credential-Identifier', async () => {
    const res = await rawRequest(`${t.url}/ka?apikey=the-key`, { headers: { 'x-consumer-custom-id': 'forged' } });
    expect(res.status).toBe(200);
    const e = JSON.parse(res.body) as Echo;
    expect(e.headers['x-consumer-username']).toBe('rose');
    expect(e.headers['x-credential-identifier']).toBe('cred-1');
    expect(e.headers['x-consumer-custom-id']).toBeUndefined();
    expect(e.url).toBe('/ka?apikey=the-key');
  });

  it('accepts a key stored before encryption was enabled (kept as is)', async () => {
    const res = await rawRequest(`${t.url}/ka`, { headers: { apikey: 'not-encrypted' } });
    expect(res.status).toBe(200);
  });

  it('ignores credentials whose consumer does not exist', async () => {
    const res = await rawRequest(`${t.url}/ka`, { headers: { apikey: 'orphan' } });
    expect(res.status).toBe(401);
  });

  it('hides the used credential from the upstream with hide_credentials', async () => {
    const viaHeader = JSON.parse(
      (await rawRequest(`${t.url}/ka-hide?apikey=x`, { headers: { 'x-key': 'auth-one' } })).body,
    ) as Echo;
    expect(viaHeader.headers['x-key']).toBeUndefined();
    expect(viaHeader.url).toBe('/ka-hide?apikey=x');
    const viaQuery = JSON.parse((await rawRequest(`${t.url}/ka-hide?a=1&apikey=auth-one`)).body) as Echo;
    expect(viaQuery.url).toBe('/ka-hide?a=1');
  });

  it('stops accepting a key once its consumer is deleted', async () => {
    await t.put('consumers/tmp', { username: 'tmp', plugins: { 'key-auth': { key: 'tmp-key' } } });
    expect((await rawRequest(`${t.url}/ka`, { headers: { apikey: 'tmp-key' } })).status).toBe(200);
    await t.del('consumers/tmp');
    expect((await rawRequest(`${t.url}/ka`, { headers: { apikey: 'tmp-key' } })).status).toBe(401);
  });
});
