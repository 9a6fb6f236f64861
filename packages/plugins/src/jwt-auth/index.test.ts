import { checkPluginConf } from '@portico/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { authCtx, bodyText, consumerConf, expectNoSecretInLogs, routeState, type AuthEntry } from '../auth-util/auth-ctx.case.js';
import { jwtAuth } from './index.js';
import { JWT_ALGORITHMS, type JwtAlgorithm } from './schema.js';
import { keyPair, signJwt, type KeyPair } from './sign.case.js';

const SECRET = 'my-secret-key-0123456789';
const now = (): number => Math.floor(Date.now() / 1000);
const asymmetric = JWT_ALGORITHMS.filter((a) => !a.startsWith('HS'));
const pairs = new Map<JwtAlgorithm, KeyPair>();
let ed448: KeyPair;
let entries: AuthEntry[];

beforeAll(() => {
  for (const a of asymmetric) pairs.set(a, keyPair(a));
  ed448 = keyPair('EdDSA', 'ed448');
  entries = [
    { username: 'jack', conf: consumerConf(jwtAuth, { key: 'user-key', secret: SECRET }) },
    { username: 'hs384', conf: consumerConf(jwtAuth, { key: 'hs384-key', secret: SECRET, algorithm: 'HS384' }) },
    { username: 'hs512', conf: consumerConf(jwtAuth, { key: 'hs512-key', secret: SECRET, algorithm: 'HS512' }) },
    {
      username: 'b64',
      conf: consumerConf(jwtAuth, {
        key: 'b64-key',
        secret: Buffer.from('raw\u0000bytes').toString('base64'),
        base64_secret: true,
      }),
    },
    { username: 'grace', conf: consumerConf(jwtAuth, { key: 'grace-key', secret: SECRET, lifetime_grace_period: 100 }) },
    { username: 'rose', credentialId: 'cred-1', conf: consumerConf(jwtAuth, { key: 'cred-key', secret: 'cred-secret' }) },
    { username: 'ed448', conf: consumerConf(jwtAuth, { key: 'ed448-key', algorithm: 'EdDSA', public_key: ed448.publicPem }) },
    { username: 'badpem', conf: consumerConf(jwtAuth, { key: 'badpem-key', algorithm: 'RS256', public_key: 'not a pem' }) },
    { username: 'anon', conf: {} },
    ...asymmetric.map((a) => ({
      username: `u-${a}`,
      conf: consumerConf(jwtAuth, { key: `${a}-key`, algorithm: a, public_key: pairs.get(a)!.publicPem }),
    })),
  ];
});

function run(init: { headers?: Record<string, string>; rawQuery?: string }, conf: Record<string, unknown> = {}) {
  const ctx = authCtx('jwt-auth', 'key', entries, init);
  const reply = jwtAuth.rewrite!(ctx, routeState(jwtAuth, conf));
  return { ctx, reply: reply as Exclude<typeof reply, Promise<unknown>> };
}
const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
const hs = (payload: Record<string, unknown>, secret = SECRET) => signJwt('HS256', secret, payload);

describe('jwt-auth definition', () => {
  it('has APISIX priority 2510, type auth, and encrypts secret', () => {
    expect([jwtAuth.priority, jwtAuth.type, jwtAuth.version]).toEqual([2510, 'auth', 0.1]);
    expect(jwtAuth.encryptFields).toEqual(['secret']);
  });

  it('applies APISIX route defaults', () => {
    const c: Record<string, unknown> = {};
    expect(checkPluginConf(jwtAuth, c, 'route')).toBeUndefined();
    expect(c).toEqual({
      header: 'authorization',
      query: 'jwt',
      cookie: 'jwt',
      hide_credentials: false,
      key_claim_name: 'key',
      store_in_ctx: false,
      realm: 'jwt',
    });
  });

  it('applies consumer defaults algorithm HS256, exp 86400, base64_secret false, lifetime_grace_period 0', () => {
    expect(consumerConf(jwtAuth, { key: 'k', secret: 's' })).toEqual({
      key: 'k',
      secret: 's',
      algorithm: 'HS256',
      exp: 86400,
      base64_secret: false,
      lifetime_grace_period: 0,
    });
  });

  it('rejects consumer confs with APISIX messages', () => {
    const check = (c: Record<string, unknown>) => checkPluginConf(jwtAuth, structuredClone(c), 'consumer');
    expect(check({ secret: 's' })).toBe('property "key" is required');
    expect(check({ key: 123 })).toBe('property "key" validation failed: wrong type: expected string, got number');
    expect(check({ key: '' })).toBe('property "key" validation failed: string too short, expected at least 1, got 0');
    expect(check({ key: 'k', secret: '' })).toBe(
      'property "secret" validation failed: string too short, expected at least 1, got 0',
    );
    expect(check({ key: 'k' })).toBe('property "secret" is required when using HS based algorithms');
    expect(check({ key: 'k', algorithm: 'RS256' })).toBe(
      'failed to validate dependent schema for "algorithm": value should match only one schema, but matches none',
    );
    expect(check({ key: 'k', secret: 'not base64!', base64_secret: true })).toBe(
      'base64_secret required but the secret is not in base64 format',
    );
    expect(check({ key: 'k', secret: '$env://JWT_SECRET', base64_secret: true })).toBeUndefined();
    expect(check({ key: 'k', algorithm: 'HS999', secret: 's' })).toBe(
      'property "algorithm" validation failed: matches none of the enum values',
    );
    expect(check({ key: 'k', algorithm: 'RS256', public_key: 'pem' })).toBeUndefined();
  });

  it('rejects unknown claims_to_verify entries and duplicates', () => {
    expect(checkPluginConf(jwtAuth, { claims_to_verify: ['iat'] }, 'route')).toMatch(
      /^property "claims_to_verify" validation failed/,
    );
    expect(checkPluginConf(jwtAuth, { claims_to_verify: ['exp', 'exp'] }, 'route')).toMatch(/expected unique items/);
  });
});

describe('jwt-auth token sources', () => {
  it('answers 401 Missing JWT token in request with the Bearer challenge', () => {
    expect(run({}).reply).toEqual({
      status: 401,
      body: { message: 'Missing JWT token in request' },
      headers: { 'WWW-Authenticate': 'Bearer realm="jwt"' },
    });
  });

  it('accepts the token in the Authorization header with or without Bearer/bearer', () => {
    const t = hs({ key: 'user-key' });
    for (const h of [`Bearer ${t}`, `bearer ${t}`, t]) {
      const { reply, ctx } = run({ headers: { authorization: h } });
      expect(reply).toBeUndefined();
      expect(ctx.consumer?.username).toBe('jack');
    }
  });

  it('reads the query argument, then the cookie, under configured names', () => {
    const t = hs({ key: 'user-key' });
    expect(run({ rawQuery: `jwt=${t}` }).reply).toBeUndefined();
    expect(run({ headers: { cookie: `a=1; jwt=${t}` } }).reply).toBeUndefined();
    const conf = { header: 'X-Token', query: 'tk', cookie: 'ck' };
    expect(run({ headers: { 'x-token': t } }, conf).reply).toBeUndefined();
    expect(run({ rawQuery: `tk=${t}` }, conf).reply).toBeUndefined();
    expect(run({ headers: { cookie: `ck=${t}` } }, conf).reply).toBeUndefined();
    expect(bodyText(run({ rawQuery: `jwt=${t}` }, conf).reply)).toBe('{"message":"Missing JWT token in request"}\n');
  });

  it('answers JWT token invalid when the query argument is sent twice, as APISIX', () => {
    const t = hs({ key: 'user-key' });
    expect(bodyText(run({ rawQuery: `jwt=${t}&jwt=${t}` }).reply)).toBe('{"message":"JWT token invalid"}\n');
  });

  it('takes the header before the query and the query before the cookie', () => {
    const good = hs({ key: 'user-key' });
    expect(bodyText(run({ headers: { authorization: 'bad', cookie: `jwt=${good}` }, rawQuery: `jwt=${good}` }).reply)).toBe(
      '{"message":"JWT token invalid"}\n',
    );
    expect(bodyText(run({ headers: { cookie: `jwt=${good}` }, rawQuery: 'jwt=bad' }).reply)).toBe(
      '{"message":"JWT token invalid"}\n',
    );
  });

  it('hide_credentials removes the header, the query argument or the cookie that carried the token', () => {
    const t = hs({ key: 'user-key' });
    const h = run({ headers: { authorization: `Bearer ${t}` } }, { hide_credentials: true });
    expect(h.ctx.headers.authorization).toBeUndefined();
    const q = run({ rawQuery: `a=1&jwt=${t}&b=2` }, { hide_credentials: true });
    expect(q.ctx.rawQuery).toBe('a=1&b=2');
    const c = run({ headers: { cookie: `a=1; jwt=${t}; b=x.y` } }, { hide_credentials: true });
    expect(c.ctx.headers.cookie).toBe('a=1; b=x.y');
    const kept = run({ headers: { authorization: `Bearer ${t}` } });
    expect(kept.ctx.headers.authorization).toBe(`Bearer ${t}`);
  });
});

describe('jwt-auth verification', () => {
  it('answers JWT token invalid for malformed tokens', () => {
    const payload = Buffer.from('{"key":"user-key"}').toString('base64url');
    for (const t of [
      'abc',
      'a.b',
      'a.b.c.d',
      `!!.${payload}.sig`,
      `${Buffer.from('5').toString('base64url')}.${payload}.sig`,
      '',
    ]) {
      expect(bodyText(run(bearer(t)).reply)).toBe('{"message":"JWT token invalid"}\n');
    }
  });

  it('answers missing user key when the key claim is absent, Invalid user key when unknown', () => {
    expect(bodyText(run(bearer(hs({ sub: 'x' }))).reply)).toBe('{"message":"missing user key in JWT token"}\n');
    expect(bodyText(run(bearer(hs({ key: 'nobody' }))).reply)).toBe('{"message":"Invalid user key in JWT token"}\n');
    expect(bodyText(run(bearer(hs({ key: 42 }))).reply)).toBe('{"message":"Invalid user key in JWT token"}\n');
  });

  it('looks the consumer up by key_claim_name', () => {
    const { reply, ctx } = run(bearer(hs({ iss: 'user-key' })), { key_claim_name: 'iss' });
    expect(reply).toBeUndefined();
    expect(ctx.consumer?.username).toBe('jack');
  });

  it('answers failed to verify jwt for a wrong secret, a tampered payload, or an algorithm other than the consumer one', () => {
    const good = hs({ key: 'user-key' });
    const [h, , s] = good.split('.');
    const tampered = `${h}.${Buffer.from('{"key":"user-key","admin":true}').toString('base64url')}.${s}`;
    const hs512 = signJwt('HS512', SECRET, { key: 'user-key' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"key":"user-key"}').toString('base64url')}.x`;
    for (const t of [hs({ key: 'user-key' }, 'wrong'), tampered, hs512, none]) {
      const { reply, ctx } = run(bearer(t));
      expect(reply).toEqual({
        status: 401,
        body: { message: 'failed to verify jwt' },
        headers: { 'WWW-Authenticate': 'Bearer realm="jwt"' },
      });
      expect(ctx.consumer).toBeUndefined();
    }
  });

  it.each(['HS384', 'HS512'] as const)('verifies %s with the consumer secret', (alg) => {
    const { reply, ctx } = run(bearer(signJwt(alg, SECRET, { key: `${alg.toLowerCase()}-key` })));
    expect(reply).toBeUndefined();
    expect(ctx.consumer?.username).toBe(alg.toLowerCase());
  });

  it('decodes base64_secret before verifying', () => {
    expect(run(bearer(signJwt('HS256', Buffer.from('raw\u0000bytes'), { key: 'b64-key' }))).reply).toBeUndefined();
    const plain = signJwt('HS256', Buffer.from('raw\u0000bytes').toString('base64'), { key: 'b64-key' });
    expect(bodyText(run(bearer(plain)).reply)).toBe('{"message":"failed to verify jwt"}\n');
  });

  it.each(JWT_ALGORITHMS.filter((a) => !a.startsWith('HS')))(
    'verifies %s with the consumer public key and refuses another key',
    (alg) => {
      const key = `${alg}-key`;
      const ok = run(bearer(signJwt(alg, pairs.get(alg)!.privateKey, { key })));
      expect(ok.reply).toBeUndefined();
      expect(ok.ctx.consumer?.username).toBe(`u-${alg}`);
      const other = keyPair(alg);
      expect(bodyText(run(bearer(signJwt(alg, other.privateKey, { key }))).reply)).toBe('{"message":"failed to verify jwt"}\n');
    },
  );

  it('verifies EdDSA over Ed448 keys', () => {
    expect(run(bearer(signJwt('EdDSA', ed448.privateKey, { key: 'ed448-key' }))).reply).toBeUndefined();
  });

  it('refuses an ES256 signature of the wrong size and a consumer whose public key does not parse', () => {
    const t = signJwt('ES256', pairs.get('ES256')!.privateKey, { key: 'ES256-key' });
    const [h, p] = t.split('.');
    const der = `${h}.${p}.${Buffer.alloc(70, 1).toString('base64url')}`;
    expect(bodyText(run(bearer(der)).reply)).toBe('{"message":"failed to verify jwt"}\n');
    const rs = signJwt('RS256', pairs.get('RS256')!.privateKey, { key: 'badpem-key' });
    expect(bodyText(run(bearer(rs)).reply)).toBe('{"message":"failed to verify jwt"}\n');
  });

  it('refuses expired tokens and tokens not valid yet; honours lifetime_grace_period', () => {
    const fail = '{"message":"failed to verify jwt"}\n';
    expect(bodyText(run(bearer(hs({ key: 'user-key', exp: now() - 10 }))).reply)).toBe(fail);
    expect(bodyText(run(bearer(hs({ key: 'user-key', nbf: now() + 60 }))).reply)).toBe(fail);
    expect(bodyText(run(bearer(hs({ key: 'user-key', exp: 'soon' }))).reply)).toBe(fail);
    expect(run(bearer(hs({ key: 'user-key', exp: now() + 60, nbf: now() - 60 }))).reply).toBeUndefined();
    expect(run(bearer(signJwt('HS256', SECRET, { key: 'grace-key', exp: now() - 50 }))).reply).toBeUndefined();
    expect(run(bearer(signJwt('HS256', SECRET, { key: 'grace-key', nbf: now() + 50 }))).reply).toBeUndefined();
    expect(bodyText(run(bearer(signJwt('HS256', SECRET, { key: 'grace-key', exp: now() - 500 }))).reply)).toBe(fail);
  });

  it('requires the claims listed in claims_to_verify', () => {
    const fail = '{"message":"failed to verify jwt"}\n';
    expect(run(bearer(hs({ key: 'user-key' }))).reply).toBeUndefined();
    expect(bodyText(run(bearer(hs({ key: 'user-key' })), { claims_to_verify: ['exp'] }).reply)).toBe(fail);
    expect(run(bearer(hs({ key: 'user-key', exp: now() + 60 })), { claims_to_verify: ['exp'] }).reply).toBeUndefined();
    // only the listed claims are checked
    expect(
      run(bearer(hs({ key: 'user-key', exp: now() + 60, nbf: now() + 600 })), { claims_to_verify: ['exp'] }).reply,
    ).toBeUndefined();
  });

  it('maps a credential to its consumer', () => {
    const { ctx } = run(bearer(signJwt('HS256', 'cred-secret', { key: 'cred-key' })));
    expect(ctx.consumer).toMatchObject({ username: 'rose', credentialId: 'cred-1' });
  });

  it('stores the payload in the request context with store_in_ctx', () => {
    const payload = { key: 'user-key', role: 'admin' };
    expect(run(bearer(hs(payload))).ctx.shared.get('jwt_auth_payload')).toBeUndefined();
    expect(run(bearer(hs(payload)), { store_in_ctx: true }).ctx.shared.get('jwt_auth_payload')).toEqual(payload);
  });

  it('falls back to anonymous_consumer, or answers Invalid user authorization when it does not exist', () => {
    const anon = run({}, { anonymous_consumer: 'anon' });
    expect(anon.reply).toBeUndefined();
    expect(anon.ctx.consumer?.username).toBe('anon');
    expect(run({}, { anonymous_consumer: 'ghost', realm: 'r' }).reply).toEqual({
      status: 401,
      body: { message: 'Invalid user authorization' },
      headers: { 'WWW-Authenticate': 'Bearer realm="r"' },
    });
  });

  it('never logs the token, the secret or the signature', () => {
    for (const t of [hs({ key: 'user-key' }, 'wrong'), hs({ key: 'user-key', exp: 1 }), 'garbage-token.x']) {
      const { ctx } = run(bearer(t));
      expectNoSecretInLogs(ctx, SECRET, t, t.split('.')[2] ?? t);
    }
  });
});
