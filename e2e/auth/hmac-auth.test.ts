// hmac-auth end to end (t/plugin/hmac-auth*.t): consumer and credential key_ids, signatures over
// the request target and signed headers, clock skew, body digest and the 413 size limit.
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, dumpLogsOnFailure } from '../helpers.js';
import { allLogs, call, etcdValue, put, seen, startAuthStack, until, type AuthStack } from './support.js';

const SECRET = 'hmac-secret-Lp20xv';
const CRED_SECRET = 'hmac-cred-secret-Yy93';
const NOT_VALIDATED = '{"message":"client request can\'t be validated"}\n';
const CHALLENGE = 'hmac realm="hmac"';

interface Signed {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  keyId?: string;
  secret?: string;
  alg?: string;
  signed?: string[];
  date?: string;
}

/** Headers of a request signed as APISIX's docs show (keyId, then each listed header or the request target). */
function signed(o: Signed): Record<string, string> {
  const keyId = o.keyId ?? 'my-access-key';
  const alg = o.alg ?? 'hmac-sha256';
  const names = o.signed ?? ['@request-target', 'date'];
  const headers: Record<string, string> = { date: o.date ?? new Date().toUTCString(), ...(o.headers ?? {}) };
  let s = `${keyId}\n`;
  for (const n of names) {
    if (n === '@request-target') s += `${o.method ?? 'GET'} ${o.path}\n`;
    else if (headers[n.toLowerCase()] !== undefined) s += `${n}: ${headers[n.toLowerCase()]}\n`;
  }
  const signature = createHmac(alg.replace('hmac-', ''), o.secret ?? SECRET)
    .update(s)
    .digest('base64');
  return {
    ...headers,
    authorization: `Signature keyId="${keyId}",algorithm="${alg}",headers="${names.join(' ')}",signature="${signature}"`,
  };
}

let s: AuthStack;
beforeAll(async () => {
  s = await startAuthStack();
});
afterAll(async () => {
  await s?.stop();
});
dumpLogsOnFailure(() => s?.apps);

describe('hmac-auth', () => {
  it('sets up consumers, a credential and routes through the Admin API', async () => {
    await put(s, '/apisix/admin/consumers', {
      username: 'jack',
      plugins: { 'hmac-auth': { key_id: 'my-access-key', secret_key: SECRET } },
    });
    await put(s, '/apisix/admin/consumers', { username: 'rose' });
    await put(s, '/apisix/admin/consumers/rose/credentials/cred-rose', {
      plugins: { 'hmac-auth': { key_id: 'rose-key', secret_key: CRED_SECRET } },
    });
    const upstream = { type: 'roundrobin', nodes: { [s.echo.node]: 1 } };
    await put(s, '/apisix/admin/routes/1', { uri: '/hello', plugins: { 'hmac-auth': {} }, upstream });
    await put(s, '/apisix/admin/routes/signed', {
      uri: '/signed',
      plugins: {
        'hmac-auth': {
          signed_headers: ['date', 'x-custom-header-a'],
          allowed_algorithms: ['hmac-sha512'],
          hide_credentials: true,
        },
      },
      upstream,
    });
    await put(s, '/apisix/admin/routes/body', {
      uri: '/body',
      plugins: { 'hmac-auth': { validate_request_body: true, max_req_body_size: 32 } },
      upstream,
    });
    await until(s, '/hello', 200, { headers: signed({ path: '/hello' }) });
  });

  it('stores secret_key encrypted in etcd', async () => {
    expect(await etcdValue(s, '/apisix/consumers/jack')).not.toContain(SECRET);
  });

  it('answers 401 with the reason when the Authorization header is missing', async () => {
    const r = await call(s.url, '/hello');
    expect([r.status, r.text, r.headers['www-authenticate']]).toEqual([
      401,
      '{"message":"client request can\'t be validated: missing Authorization header"}\n',
      CHALLENGE,
    ]);
  });

  it('answers the generic 401 for every validation failure', async () => {
    const cases: Record<string, string>[] = [
      {
        authorization: 'Signature keyId="my-access-key",headers="@request-target date",signature="asdf"',
        date: new Date().toUTCString(),
      },
      signed({ path: '/hello', keyId: 'sdf' }),
      signed({
        path: '/hello',
        alg: 'hmac-sha1',
        signed: ['@request-target', 'date'],
        secret: SECRET,
        keyId: 'my-access-key',
        date: 'Thu, 24 Sep 2020 06:39:52 GMT',
      }),
      signed({ path: '/hello', date: 'adfsdf' }),
      signed({ path: '/hello', secret: 'wrong' }),
      signed({ path: '/other-path' }),
      signed({ path: '/hello', signed: ['@request-target'] }),
    ];
    for (const headers of cases) {
      const r = await call(s.url, '/hello', { headers });
      expect([r.status, r.text, r.headers['www-authenticate']]).toEqual([401, NOT_VALIDATED, CHALLENGE]);
    }
  });

  it('passes the consumer to the upstream for each allowed algorithm, query string included in the target', async () => {
    for (const alg of ['hmac-sha1', 'hmac-sha256', 'hmac-sha512']) {
      const e = seen(await call(s.url, '/hello?a=1&b=2', { headers: signed({ path: '/hello?a=1&b=2', alg }) }));
      expect(e.headers['x-consumer-username']).toBe('jack');
      expect(e.headers.authorization).toMatch(/^Signature /);
    }
  });

  it('authenticates a credential key_id and sends X-Credential-Identifier', async () => {
    const e = seen(await call(s.url, '/hello', { headers: signed({ path: '/hello', keyId: 'rose-key', secret: CRED_SECRET }) }));
    expect([e.headers['x-consumer-username'], e.headers['x-credential-identifier']]).toEqual(['rose', 'cred-rose']);
  });

  it('enforces signed_headers and allowed_algorithms, and hides Authorization', async () => {
    const base = { path: '/signed', alg: 'hmac-sha512', headers: { 'x-custom-header-a': 'asld$%dfasf' } };
    const ok = seen(
      await call(s.url, '/signed', { headers: signed({ ...base, signed: ['@request-target', 'date', 'x-custom-header-a'] }) }),
    );
    expect(ok.headers.authorization).toBeUndefined();
    expect(ok.headers['x-consumer-username']).toBe('jack');
    const missing = await call(s.url, '/signed', { headers: signed(base) });
    expect([missing.status, missing.text]).toEqual([401, NOT_VALIDATED]);
    const sha256 = await call(s.url, '/signed', {
      headers: signed({ ...base, alg: 'hmac-sha256', signed: ['@request-target', 'date', 'x-custom-header-a'] }),
    });
    expect([sha256.status, sha256.text]).toEqual([401, NOT_VALIDATED]);
  });

  it('validates the body Digest and refuses bodies over max_req_body_size with 413', async () => {
    const body = '{"a":1}';
    const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
    const headers = signed({ path: '/body', method: 'POST' });
    const ok = seen(await call(s.url, '/body', { method: 'POST', headers: { ...headers, digest }, body }));
    expect(ok.body).toBe(body);
    const bad = await call(s.url, '/body', { method: 'POST', headers: { ...headers, digest: 'SHA-256=AAAA' }, body });
    expect([bad.status, bad.text]).toEqual([401, NOT_VALIDATED]);
    const big = '{"name": "this body is well over thirty-two bytes"}';
    const large = await call(s.url, '/body', { method: 'POST', headers: { ...headers, digest }, body: big });
    expect([large.status, large.text]).toEqual([
      413,
      `{"message":"request size ${big.length} is greater than the maximum size 32 allowed"}\n`,
    ]);
  });

  it('refuses a second owner of the same key_id', async () => {
    const r = await adminRequest(s.apps, 'PUT', '/apisix/admin/consumers', {
      username: 'jack2',
      plugins: { 'hmac-auth': { key_id: 'rose-key', secret_key: 'x' } },
    });
    expect([r.status, r.text]).toEqual([
      400,
      '{"error_msg":"duplicate key_id of plugin hmac-auth found with credential: cred-rose of consumer: rose"}\n',
    ]);
  });

  it('never writes a secret key or a signature to any log', async () => {
    const h = signed({ path: '/hello', secret: 'wrong-secret' });
    expect((await call(s.url, '/hello', { headers: h })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    const logs = allLogs(s);
    expect(logs).toContain("client request can't be validated: Invalid signature");
    const sig = /signature="([^"]+)"/.exec(h.authorization!)![1]!;
    for (const secret of [SECRET, CRED_SECRET, sig]) expect(logs).not.toContain(secret);
  });
});
