// jwt-auth end to end (t/plugin/jwt-auth*.t): HS256 consumer, HS512 base64 credential, RS256 and
// ES256 consumers with generated keys, token from header / query / cookie, claims, anonymous consumer.
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, dumpLogsOnFailure } from '../helpers.js';
import { allLogs, call, etcdValue, put, seen, startAuthStack, until, type AuthStack } from './support.js';

const SECRET = 'jwt-secret-Qw71pz';
const CRED_SECRET_BYTES = Buffer.from('cred-\u0001-bytes-9Kx');
const b64u = (v: unknown) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function jwt(alg: string, key: string | Buffer | KeyObject, payload: Record<string, unknown>): string {
  const input = `${b64u({ typ: 'JWT', alg })}.${b64u(payload)}`;
  let sig: Buffer;
  if (alg.startsWith('HS'))
    sig = createHmac(`sha${alg.slice(2)}`, key as string | Buffer)
      .update(input)
      .digest();
  else if (alg.startsWith('ES'))
    sig = sign(`sha${alg.slice(2)}`, Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else sig = sign(`sha${alg.slice(2)}`, Buffer.from(input), key as KeyObject);
  return `${input}.${b64u(sig)}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const CHALLENGE = 'Bearer realm="jwt"';
const FAILED = '{"message":"failed to verify jwt"}\n';

let s: AuthStack;
beforeAll(async () => {
  s = await startAuthStack();
});
afterAll(async () => {
  await s?.stop();
});
dumpLogsOnFailure(() => s?.apps);

describe('jwt-auth', () => {
  it('sets up consumers, a credential and routes through the Admin API', async () => {
    await put(s, '/apisix/admin/consumers', { username: 'jack', plugins: { 'jwt-auth': { key: 'user-key', secret: SECRET } } });
    await put(s, '/apisix/admin/consumers', {
      username: 'rsa',
      plugins: { 'jwt-auth': { key: 'rsa-key', algorithm: 'RS256', public_key: pem(rsa.publicKey) } },
    });
    await put(s, '/apisix/admin/consumers', {
      username: 'ec',
      plugins: { 'jwt-auth': { key: 'ec-key', algorithm: 'ES256', public_key: pem(ec.publicKey) } },
    });
    await put(s, '/apisix/admin/consumers', { username: 'rose' });
    await put(s, '/apisix/admin/consumers/rose/credentials/cred-rose', {
      plugins: {
        'jwt-auth': {
          key: 'rose-key',
          algorithm: 'HS512',
          secret: CRED_SECRET_BYTES.toString('base64'),
          base64_secret: true,
          lifetime_grace_period: 60,
        },
      },
    });
    await put(s, '/apisix/admin/consumers', { username: 'anonymous' });
    const upstream = { type: 'roundrobin', nodes: { [s.echo.node]: 1 } };
    await put(s, '/apisix/admin/routes/1', { uri: '/hello', plugins: { 'jwt-auth': {} }, upstream });
    await put(s, '/apisix/admin/routes/hide', { uri: '/hide', plugins: { 'jwt-auth': { hide_credentials: true } }, upstream });
    await put(s, '/apisix/admin/routes/custom', {
      uri: '/custom',
      plugins: {
        'jwt-auth': {
          header: 'X-Token',
          query: 'tk',
          cookie: 'ck',
          key_claim_name: 'iss',
          claims_to_verify: ['exp'],
          realm: 'api',
        },
      },
      upstream,
    });
    await put(s, '/apisix/admin/routes/anon', {
      uri: '/anon',
      plugins: { 'jwt-auth': { anonymous_consumer: 'anonymous' } },
      upstream,
    });
    await until(s, '/hello', 200, { headers: { authorization: `Bearer ${jwt('HS256', SECRET, { key: 'user-key' })}` } });
  });

  it('stores the secret encrypted in etcd', async () => {
    expect(await etcdValue(s, '/apisix/consumers/jack')).not.toContain(SECRET);
  });

  it('refuses an RS256 consumer without public_key with APISIX message', async () => {
    const r = await adminRequest(s.apps, 'PUT', '/apisix/admin/consumers', {
      username: 'bad',
      plugins: { 'jwt-auth': { key: 'bad-key', algorithm: 'RS256' } },
    });
    expect([r.status, r.text]).toEqual([
      400,
      '{"error_msg":"invalid plugins configuration: failed to check the configuration of plugin jwt-auth err: failed to validate dependent schema for \\"algorithm\\": value should match only one schema, but matches none"}\n',
    ]);
  });

  it('answers 401 Missing JWT token in request with WWW-Authenticate', async () => {
    const r = await call(s.url, '/hello');
    expect([r.status, r.text, r.headers['www-authenticate']]).toEqual([
      401,
      '{"message":"Missing JWT token in request"}\n',
      CHALLENGE,
    ]);
  });

  it('answers the APISIX message for each invalid token', async () => {
    const cases: [string, string][] = [
      ['not-a-jwt', '{"message":"JWT token invalid"}\n'],
      [jwt('HS256', SECRET, { sub: 'x' }), '{"message":"missing user key in JWT token"}\n'],
      [jwt('HS256', SECRET, { key: 'nobody' }), '{"message":"Invalid user key in JWT token"}\n'],
      [jwt('HS256', 'wrong-secret', { key: 'user-key' }), FAILED],
      [jwt('HS512', SECRET, { key: 'user-key' }), FAILED],
      [jwt('HS256', SECRET, { key: 'user-key', exp: now() - 30 }), FAILED],
      [jwt('HS256', SECRET, { key: 'user-key', nbf: now() + 300 }), FAILED],
      [jwt('RS256', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, { key: 'rsa-key' }), FAILED],
    ];
    for (const [token, body] of cases) {
      const r = await call(s.url, '/hello', { headers: { authorization: `Bearer ${token}` } });
      expect([r.status, r.text, r.headers['www-authenticate']], body).toEqual([401, body, CHALLENGE]);
    }
  });

  it('authenticates HS256, RS256 and ES256 consumers from the header, the query and the cookie', async () => {
    const hs = jwt('HS256', SECRET, { key: 'user-key', exp: now() + 60 });
    expect(seen(await call(s.url, '/hello', { headers: { authorization: `Bearer ${hs}` } })).headers['x-consumer-username']).toBe(
      'jack',
    );
    expect(seen(await call(s.url, '/hello', { headers: { authorization: hs } })).headers['x-consumer-username']).toBe('jack');
    const rs = jwt('RS256', rsa.privateKey, { key: 'rsa-key' });
    expect(seen(await call(s.url, `/hello?jwt=${rs}`)).headers['x-consumer-username']).toBe('rsa');
    const es = jwt('ES256', ec.privateKey, { key: 'ec-key' });
    expect(seen(await call(s.url, '/hello', { headers: { cookie: `a=1; jwt=${es}` } })).headers['x-consumer-username']).toBe(
      'ec',
    );
  });

  it('authenticates a base64_secret HS512 credential within its lifetime_grace_period', async () => {
    const e = seen(
      await call(s.url, '/hello', {
        headers: { authorization: `Bearer ${jwt('HS512', CRED_SECRET_BYTES, { key: 'rose-key', exp: now() - 20 })}` },
      }),
    );
    expect([e.headers['x-consumer-username'], e.headers['x-credential-identifier']]).toEqual(['rose', 'cred-rose']);
    const late = await call(s.url, '/hello', {
      headers: { authorization: `Bearer ${jwt('HS512', CRED_SECRET_BYTES, { key: 'rose-key', exp: now() - 600 })}` },
    });
    expect([late.status, late.text]).toEqual([401, FAILED]);
  });

  it('hides the token from the upstream in the header, the query and the cookie', async () => {
    const t = jwt('HS256', SECRET, { key: 'user-key' });
    expect(seen(await call(s.url, '/hide', { headers: { authorization: `Bearer ${t}` } })).headers.authorization).toBeUndefined();
    expect(seen(await call(s.url, `/hide?a=1&jwt=${t}&b=2`)).url).toBe('/hide?a=1&b=2');
    expect(seen(await call(s.url, '/hide', { headers: { cookie: `a=1; jwt=${t}; b=2` } })).headers.cookie).toBe('a=1; b=2');
  });

  it('uses the configured header, query, cookie, key claim, required claims and realm', async () => {
    const t = jwt('HS256', SECRET, { iss: 'user-key', exp: now() + 60 });
    expect((await call(s.url, '/custom', { headers: { 'x-token': t } })).status).toBe(200);
    expect((await call(s.url, `/custom?tk=${t}`)).status).toBe(200);
    expect((await call(s.url, '/custom', { headers: { cookie: `ck=${t}` } })).status).toBe(200);
    const noExp = await call(s.url, '/custom', { headers: { 'x-token': jwt('HS256', SECRET, { iss: 'user-key' }) } });
    expect([noExp.status, noExp.text, noExp.headers['www-authenticate']]).toEqual([401, FAILED, 'Bearer realm="api"']);
  });

  it('falls back to the anonymous consumer', async () => {
    expect(seen(await call(s.url, '/anon')).headers['x-consumer-username']).toBe('anonymous');
  });

  it('never writes a secret or a token to any log', async () => {
    const t = jwt('HS256', SECRET, { key: 'user-key' });
    expect((await call(s.url, `/hello?jwt=${t}`)).status).toBe(200);
    expect((await call(s.url, `/hello?jwt=${jwt('HS256', 'bad', { key: 'user-key' })}`)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    const logs = allLogs(s);
    expect(logs).toContain('failed to verify jwt: signature mismatch');
    for (const secret of [SECRET, CRED_SECRET_BYTES.toString('base64'), t, t.split('.')[2]!]) expect(logs).not.toContain(secret);
  });
});
