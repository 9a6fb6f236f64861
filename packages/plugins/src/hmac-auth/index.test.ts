import { createHash, createHmac } from 'node:crypto';
import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { authCtx, bodyText, consumerConf, expectNoSecretInLogs, routeState, type AuthEntry } from '../auth-util/auth-ctx.case.js';
import { hmacAuth } from './index.js';

const SECRET = 'my-secret-key';
const entries: AuthEntry[] = [
  { username: 'jack', conf: consumerConf(hmacAuth, { key_id: 'my-access-key', secret_key: SECRET }) },
  { username: 'rose', credentialId: 'cred-1', conf: consumerConf(hmacAuth, { key_id: 'rose-key', secret_key: 'rose-secret' }) },
  { username: 'anon', conf: {} },
];
const NOT_VALIDATED = '{"message":"client request can\'t be validated"}\n';

interface Req {
  method?: string;
  uri?: string;
  rawQuery?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Sign like APISIX's docs: keyId, then each listed header (or the request target), each line + "\n". */
function sign(req: Req, opts: { keyId?: string; secret?: string; alg?: string; headers?: string[]; digestAlg?: string } = {}) {
  const keyId = opts.keyId ?? 'my-access-key';
  const alg = opts.alg ?? 'hmac-sha256';
  const names = opts.headers ?? ['@request-target', 'date'];
  const headers: Record<string, string> = { date: new Date().toUTCString(), ...(req.headers ?? {}) };
  const target = `${req.uri ?? '/anything'}${req.rawQuery ? `?${req.rawQuery}` : ''}`;
  let s = `${keyId}\n`;
  for (const n of names) {
    if (n === '@request-target') s += `${req.method ?? 'GET'} ${target}\n`;
    else if (headers[n.toLowerCase()] !== undefined) s += `${n}: ${headers[n.toLowerCase()]}\n`;
  }
  const sig = createHmac(alg.replace('hmac-', ''), opts.secret ?? SECRET)
    .update(s)
    .digest('base64');
  headers.authorization = `Signature keyId="${keyId}",algorithm="${alg}",headers="${names.join(' ')}",signature="${sig}"`;
  return headers;
}

async function run(req: Req, conf: Record<string, unknown> = {}) {
  const ctx = authCtx('hmac-auth', 'key_id', entries, {
    method: req.method ?? 'GET',
    uri: req.uri ?? '/anything',
    rawQuery: req.rawQuery ?? '',
    headers: req.headers ?? {},
    body: req.body ?? '',
  });
  const reply = await hmacAuth.rewrite!(ctx, routeState(hmacAuth, conf));
  return { ctx, reply: reply ?? undefined };
}

describe('hmac-auth definition', () => {
  it('has APISIX priority 2530, type auth, and encrypts secret_key', () => {
    expect([hmacAuth.priority, hmacAuth.type, hmacAuth.version]).toEqual([2530, 'auth', 0.1]);
    expect(hmacAuth.encryptFields).toEqual(['secret_key']);
  });

  it('applies APISIX route defaults', () => {
    const c: Record<string, unknown> = {};
    expect(checkPluginConf(hmacAuth, c, 'route')).toBeUndefined();
    expect(c).toEqual({
      allowed_algorithms: ['hmac-sha1', 'hmac-sha256', 'hmac-sha512'],
      clock_skew: 300,
      signed_headers: ['date'],
      validate_request_body: false,
      max_req_body_size: 67108864,
      hide_credentials: false,
      realm: 'hmac',
    });
  });

  it('rejects invalid confs with APISIX messages', () => {
    expect(checkPluginConf(hmacAuth, { secret_key: 's' }, 'consumer')).toBe('property "key_id" is required');
    expect(checkPluginConf(hmacAuth, { key_id: 'k' }, 'consumer')).toBe('property "secret_key" is required');
    expect(checkPluginConf(hmacAuth, { key_id: 'k'.repeat(320), secret_key: 's' }, 'consumer')).toBe(
      'property "key_id" validation failed: string too long, expected at most 256, got 320',
    );
    expect(checkPluginConf(hmacAuth, { clock_skew: 0 }, 'route')).toBe(
      'property "clock_skew" validation failed: expected 0 to be at least 1',
    );
    expect(checkPluginConf(hmacAuth, { allowed_algorithms: [] }, 'route')).toBe(
      'property "allowed_algorithms" validation failed: expect array to have at least 1 items',
    );
  });
});

describe('hmac-auth rewrite', () => {
  it('answers 401 with the reason when the Authorization header is missing or not a Signature', async () => {
    expect((await run({})).reply).toEqual({
      status: 401,
      body: { message: "client request can't be validated: missing Authorization header" },
      headers: { 'WWW-Authenticate': 'hmac realm="hmac"' },
    });
    expect(bodyText((await run({ headers: { authorization: 'Basic x' } })).reply)).toBe(
      '{"message":"client request can\'t be validated: Authorization header does not start with \'Signature\'"}\n',
    );
  });

  it('accepts a valid signature over the request target and date, and attaches the consumer', async () => {
    const req: Req = { uri: '/hello', rawQuery: 'a=1&b=2' };
    const { reply, ctx } = await run({ ...req, headers: sign(req) });
    expect(reply).toBeUndefined();
    expect(ctx.consumer?.username).toBe('jack');
    expect(ctx.headers.authorization).toMatch(/^Signature /);
  });

  it.each(['hmac-sha1', 'hmac-sha256', 'hmac-sha512'])('verifies %s', async (alg) => {
    expect((await run({ headers: sign({}, { alg }) })).reply).toBeUndefined();
  });

  it('answers the generic 401 for every validation failure and logs the reason', async () => {
    const cases: [Record<string, string>, string, Record<string, unknown>?][] = [
      [
        { authorization: 'Signature algorithm="hmac-sha256",headers="date"', date: new Date().toUTCString() },
        'keyId or signature missing',
      ],
      [
        { authorization: 'Signature keyId="my-access-key",headers="date",signature="x"', date: new Date().toUTCString() },
        'algorithm missing',
      ],
      [sign({}, { keyId: 'nobody' }), 'Invalid key_id'],
      [sign({}, { alg: 'hmac-sha1' }), 'Invalid algorithm', { allowed_algorithms: ['hmac-sha256'] }],
      [{ ...sign({}), date: 'Thu, 24 Sep 2020 06:39:52 GMT' }, 'Clock skew exceeded'],
      [{ ...sign({}), date: 'adfsdf' }, 'Invalid GMT format time'],
      [(({ date: _d, ...rest }) => rest)(sign({})), 'Date header missing. failed to validate clock skew'],
      [sign({}, { headers: ['@request-target'] }), 'expected header "date" missing in signing'],
      [sign({}, { secret: 'wrong' }), 'Invalid signature'],
      [sign({ method: 'POST' }), 'Invalid signature'],
    ];
    for (const [headers, reason, conf] of cases) {
      const { reply, ctx } = await run({ headers }, conf);
      expect(bodyText(reply), reason).toBe(NOT_VALIDATED);
      expect(reply?.headers).toEqual({ 'WWW-Authenticate': 'hmac realm="hmac"' });
      expect(ctx.logs.map((l) => l.msg)).toContain(`client request can't be validated: ${reason}`);
    }
  });

  it('requires every signed_headers entry in the signature and signs listed headers by their given names', async () => {
    const conf = { signed_headers: ['date', 'x-custom-a'] };
    const req: Req = { headers: { 'x-custom-a': 'asld$%dfasf' } };
    expect(
      (await run({ ...req, headers: sign(req, { headers: ['@request-target', 'date', 'x-custom-a'] }) }, conf)).reply,
    ).toBeUndefined();
    expect(bodyText((await run({ ...req, headers: sign(req) }, conf)).reply)).toBe(NOT_VALIDATED);
    // a listed header the request lacks is skipped on both sides
    expect((await run({ headers: sign({}, { headers: ['date', 'X-Missing'] }) }, { signed_headers: [] })).reply).toBeUndefined();
  });

  it('maps a credential to its consumer', async () => {
    const { ctx } = await run({ headers: sign({}, { keyId: 'rose-key', secret: 'rose-secret' }) });
    expect(ctx.consumer).toMatchObject({ username: 'rose', credentialId: 'cred-1' });
  });

  it('removes Authorization with hide_credentials', async () => {
    const { ctx } = await run({ headers: sign({}) }, { hide_credentials: true });
    expect(ctx.headers.authorization).toBeUndefined();
  });

  it('validates the body Digest with validate_request_body', async () => {
    const body = '{"name":"portico"}';
    const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
    const conf = { validate_request_body: true };
    const req: Req = { method: 'POST', body };
    expect((await run({ ...req, headers: { ...sign(req), digest } }, conf)).reply).toBeUndefined();
    expect(bodyText((await run({ ...req, headers: sign(req) }, conf)).reply)).toBe(NOT_VALIDATED);
    const bad = await run({ ...req, headers: { ...sign(req), digest: 'SHA-256=AAAA' } }, conf);
    expect(bodyText(bad.reply)).toBe(NOT_VALIDATED);
    expect(JSON.stringify(bad.ctx.logs)).toContain('Invalid digest');
  });

  it('answers 413 with the APISIX size message for a body over max_req_body_size', async () => {
    const body = '{"name": "this body is well over ten bytes"}';
    const conf = { validate_request_body: true, max_req_body_size: 10, anonymous_consumer: 'anon' };
    const req: Req = { method: 'POST', body };
    const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
    const { reply } = await run({ ...req, headers: { ...sign(req), digest } }, conf);
    expect(reply).toEqual({ status: 413, body: { message: 'request size 44 is greater than the maximum size 10 allowed' } });
    const declared = await run({ ...req, headers: { ...sign(req), digest, 'content-length': '1000' } }, conf);
    expect(declared.reply).toEqual({
      status: 413,
      body: { message: 'request size 1000 is greater than the maximum size 10 allowed' },
    });
  });

  it('falls back to anonymous_consumer, or answers Invalid user authorization when it does not exist', async () => {
    const anon = await run({}, { anonymous_consumer: 'anon' });
    expect(anon.reply).toBeUndefined();
    expect(anon.ctx.consumer?.username).toBe('anon');
    expect((await run({}, { anonymous_consumer: 'ghost' })).reply).toEqual({
      status: 401,
      body: { message: 'Invalid user authorization' },
      headers: { 'WWW-Authenticate': 'hmac realm="hmac"' },
    });
  });

  it('never logs the secret key or the signature', async () => {
    for (const h of [sign({}, { secret: 'wrong' }), sign({})]) {
      const { ctx } = await run({ headers: h });
      const sig = /signature="([^"]+)"/.exec(h.authorization!)![1]!;
      expectNoSecretInLogs(ctx, SECRET, sig);
    }
  });
});
