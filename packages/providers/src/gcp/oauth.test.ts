import { createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GcpAuthError, GcpTokenSource, tokenCacheTtl } from './oauth.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const sa = JSON.stringify({
  client_email: 'svc@p.iam.gserviceaccount.com',
  private_key: pem,
  token_uri: 'http://token.test/token',
});

function fakeFetch(responses: { status: number; body: string }[]) {
  const calls: { url: string; body: string }[] = [];
  const fn = async (url: string, init: { body: string }) => {
    calls.push({ url, body: init.body });
    const r = responses.shift()!;
    return { status: r.status, text: async () => r.body };
  };
  return { fn, calls };
}

describe('GcpTokenSource', () => {
  it('exchanges a verifiable RS256 JWT assertion at token_uri', async () => {
    const f = fakeFetch([{ status: 200, body: '{"access_token":"tok1","expires_in":3600}' }]);
    const src = new GcpTokenSource({ service_account_json: sa }, { fetch: f.fn, now: () => 1000 });
    expect(await src.getToken()).toBe('tok1');
    expect(f.calls[0]!.url).toBe('http://token.test/token');
    const form = new URLSearchParams(f.calls[0]!.body);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const [h, c, s] = form.get('assertion')!.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(c!, 'base64url').toString())).toEqual({
      iss: 'svc@p.iam.gserviceaccount.com',
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: 'http://token.test/token',
      iat: 1000,
      exp: 4600,
    });
    expect(createVerify('RSA-SHA256').update(`${h}.${c}`).verify(publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
  });

  it('caches the token for expires_in - expire_early_secs, capped by max_ttl', async () => {
    let now = 0;
    const f = fakeFetch([
      { status: 200, body: '{"access_token":"a","expires_in":3600}' },
      { status: 200, body: '{"access_token":"b","expires_in":3600}' },
    ]);
    const src = new GcpTokenSource(
      { service_account_json: sa, max_ttl: 100, expire_early_secs: 60 },
      { fetch: f.fn, now: () => now },
    );
    expect(await src.getToken()).toBe('a');
    now = 99;
    expect(await src.getToken()).toBe('a');
    now = 101;
    expect(await src.getToken()).toBe('b');
    expect(f.calls.length).toBe(2);
  });

  it('computes the APISIX ttl rules', () => {
    expect(tokenCacheTtl(3600, { expire_early_secs: 60 })).toBe(3540);
    expect(tokenCacheTtl(30, { expire_early_secs: 60 })).toBe(30);
    expect(tokenCacheTtl(undefined, {})).toBe(6);
    expect(tokenCacheTtl(3600, { max_ttl: 10 })).toBe(10);
  });

  it('reads GCP_SERVICE_ACCOUNT when no JSON is configured and fails typed without one', async () => {
    const f = fakeFetch([{ status: 200, body: '{"access_token":"env","expires_in":10}' }]);
    expect(await new GcpTokenSource({}, { envServiceAccount: sa, fetch: f.fn }).getToken()).toBe('env');
    await expect(new GcpTokenSource({}, { envServiceAccount: undefined }).getToken()).rejects.toMatchObject({
      code: 'GCP_NO_SERVICE_ACCOUNT',
    });
  });

  it('rejects with GCP_TOKEN_REQUEST_FAILED on a non-200 token response', async () => {
    const f = fakeFetch([{ status: 401, body: '{"error":"invalid_grant"}' }]);
    const err = await new GcpTokenSource({ service_account_json: sa }, { fetch: f.fn }).getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GcpAuthError);
    expect((err as GcpAuthError).code).toBe('GCP_TOKEN_REQUEST_FAILED');
  });
});
