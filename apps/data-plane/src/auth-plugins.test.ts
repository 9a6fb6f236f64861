/**
 * basic-auth / jwt-auth / hmac-auth / consumer-restriction through the data plane over a
 * config store: consumer index built from stored (encrypted) confs, credentials, secret
 * references resolved at index time and fail-closed when unresolvable.
 */
import { createHmac } from 'node:crypto';
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

// 'the-password' encrypted with APISIX's default keyring (apisix-admin.md §6), as the Admin API stores it.
const THE_PASSWORD = 'WvF5kpaLvIzjuk4GNIMTJg==';
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const b64u = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function hs256(secret: string, payload: Record<string, unknown>): string {
  const input = `${b64u({ typ: 'JWT', alg: 'HS256' })}.${b64u(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

let t: TestDataPlane;
let up: TestUpstream;

beforeAll(async () => {
  process.env.PORTICO_TEST_BASIC_PW = 'from-env';
  const plugins = ['basic-auth', 'jwt-auth', 'hmac-auth', 'consumer-restriction'].map((n) => getPlugin(n)!);
  t = await startTestDataPlane({ plugins });
  up = await startUpstream(echoHandler);
  const upstream = { nodes: { [up.addr]: 1 } };
  await t.put('consumers/jack', { username: 'jack', plugins: { 'basic-auth': { username: 'jack', password: THE_PASSWORD } } });
  await t.put('consumers/envy', {
    username: 'envy',
    plugins: { 'basic-auth': { username: 'envy', password: '$env://PORTICO_TEST_BASIC_PW' } },
  });
  await t.put('consumers/lost', {
    username: 'lost',
    plugins: { 'basic-auth': { username: 'lost', password: '$ENV://PORTICO_TEST_UNSET_VAR' } },
  });
  await t.put('consumers/rose', {
    username: 'rose',
    plugins: { 'consumer-restriction': { type: 'route_id', whitelist: ['open'] } },
  });
  await t.put('consumers/rose/credentials/rose-jwt', { plugins: { 'jwt-auth': { key: 'rose-key', secret: THE_PASSWORD } } });
  await t.put('routes/basic', { uri: '/basic', plugins: { 'basic-auth': {} }, upstream });
  await t.put('routes/open', { uri: '/open', plugins: { 'jwt-auth': {} }, upstream });
  await t.put('routes/closed', { uri: '/closed', plugins: { 'jwt-auth': {} }, upstream });
});

afterAll(async () => {
  delete process.env.PORTICO_TEST_BASIC_PW;
  await t.close();
  await up.close();
});

describe('auth plugins through the data plane', () => {
  it('authenticates basic-auth against a password stored encrypted', async () => {
    const res = await rawRequest(`${t.url}/basic`, { headers: basic('jack', 'the-password') });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { headers: Record<string, string> }).headers['x-consumer-username']).toBe('jack');
    const bad = await rawRequest(`${t.url}/basic`, { headers: basic('jack', THE_PASSWORD) });
    expect([bad.status, bad.body]).toEqual([401, '{"message":"Invalid user authorization"}\n']);
  });

  it('resolves an $env:// password when the index is built', async () => {
    expect((await rawRequest(`${t.url}/basic`, { headers: basic('envy', 'from-env') })).status).toBe(200);
  });

  it('leaves out a consumer whose password reference cannot be resolved, so the literal reference never authenticates', async () => {
    const res = await rawRequest(`${t.url}/basic`, { headers: basic('lost', '$ENV://PORTICO_TEST_UNSET_VAR') });
    expect([res.status, res.body]).toEqual([401, '{"message":"Invalid user authorization"}\n']);
  });

  it('authenticates a jwt-auth credential with an encrypted secret and runs the consumer consumer-restriction', async () => {
    const token = hs256('the-password', { key: 'rose-key' });
    const open = await rawRequest(`${t.url}/open`, { headers: { authorization: `Bearer ${token}` } });
    expect(open.status).toBe(200);
    const seen = JSON.parse(open.body) as { headers: Record<string, string> };
    expect(seen.headers['x-consumer-username']).toBe('rose');
    expect(seen.headers['x-credential-identifier']).toBe('rose-jwt');
    const closed = await rawRequest(`${t.url}/closed`, { headers: { authorization: `Bearer ${token}` } });
    expect([closed.status, closed.body]).toEqual([403, '{"message":"The route_id is forbidden."}\n']);
  });

  it('stops accepting a credential once it is deleted', async () => {
    await t.put('consumers/rose/credentials/tmp', { plugins: { 'jwt-auth': { key: 'tmp-key', secret: 'tmp-secret' } } });
    const token = hs256('tmp-secret', { key: 'tmp-key' });
    expect((await rawRequest(`${t.url}/open`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await t.del('consumers/rose/credentials/tmp');
    const res = await rawRequest(`${t.url}/open`, { headers: { authorization: `Bearer ${token}` } });
    expect([res.status, res.body]).toEqual([401, '{"message":"Invalid user key in JWT token"}\n']);
  });
});
