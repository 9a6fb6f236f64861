import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { authCtx, bodyText, consumerConf, expectNoSecretInLogs, routeState, type AuthEntry } from '../auth-util/auth-ctx.case.js';
import { parseBasic } from './credentials.js';
import { basicAuth } from './index.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const entries: AuthEntry[] = [
  { username: 'jack', conf: consumerConf(basicAuth, { username: 'foo', password: 'bar' }) },
  { username: 'rose', credentialId: 'cred-rose', conf: consumerConf(basicAuth, { username: 'rose-user', password: 'pässwörd' }) },
  { username: 'anon', conf: {} },
];

function run(headers: Record<string, string>, conf: Record<string, unknown> = {}) {
  const ctx = authCtx('basic-auth', 'username', entries, { headers });
  const reply = basicAuth.rewrite!(ctx, routeState(basicAuth, conf));
  return { ctx, reply: reply as Exclude<typeof reply, Promise<unknown>> };
}

describe('basic-auth definition', () => {
  it('has APISIX priority 2520, type auth, and encrypts password', () => {
    expect([basicAuth.priority, basicAuth.type, basicAuth.version]).toEqual([2520, 'auth', 0.1]);
    expect(basicAuth.encryptFields).toEqual(['password']);
  });

  it('applies the route defaults hide_credentials=false, realm=basic', () => {
    const c: Record<string, unknown> = {};
    expect(checkPluginConf(basicAuth, c, 'route')).toBeUndefined();
    expect(c).toEqual({ hide_credentials: false, realm: 'basic' });
  });

  it('requires username and password on consumers with APISIX messages', () => {
    expect(checkPluginConf(basicAuth, { password: 'x' }, 'consumer')).toBe('property "username" is required');
    expect(checkPluginConf(basicAuth, { username: 'x' }, 'consumer')).toBe('property "password" is required');
    expect(checkPluginConf(basicAuth, { username: 1, password: 'x' }, 'consumer')).toBe(
      'property "username" validation failed: wrong type: expected string, got number',
    );
  });

  it('rejects a realm with a double quote', () => {
    expect(checkPluginConf(basicAuth, { realm: 'a"b' }, 'route')).toMatch(
      /^property "realm" validation failed: failed to match pattern/,
    );
  });
});

describe('basic-auth rewrite', () => {
  it('answers 401 Missing authorization in request with the Basic challenge', () => {
    const { reply } = run({});
    expect(reply).toEqual({
      status: 401,
      body: { message: 'Missing authorization in request' },
      headers: { 'WWW-Authenticate': 'Basic realm="basic"' },
    });
  });

  it('answers Invalid authorization in request for a non-Basic scheme, bad base64 or no colon', () => {
    for (const h of ['Bearer abc', 'Basic !!!!', `Basic ${b64('foobar')}`, 'Basic']) {
      const { reply } = run({ authorization: h });
      expect(bodyText(reply)).toBe('{"message":"Invalid authorization in request"}\n');
      expect(reply?.status).toBe(401);
    }
  });

  it('answers Invalid user authorization for an unknown user or a wrong password', () => {
    for (const h of [`Basic ${b64('nobody:bar')}`, `Basic ${b64('foo:baz')}`, `Basic ${b64('foo:')}`]) {
      const { reply, ctx } = run({ authorization: h });
      expect(bodyText(reply)).toBe('{"message":"Invalid user authorization"}\n');
      expect(ctx.consumer).toBeUndefined();
    }
  });

  it('attaches the consumer for the right username and password and keeps the header', () => {
    const { reply, ctx } = run({ authorization: `Basic ${b64('foo:bar')}` });
    expect(reply).toBeUndefined();
    expect(ctx.consumer?.username).toBe('jack');
    expect(ctx.headers.authorization).toBe(`Basic ${b64('foo:bar')}`);
  });

  it('maps a credential to its consumer and compares UTF-8 passwords byte for byte', () => {
    const { reply, ctx } = run({ authorization: `Basic ${b64('rose-user:pässwörd')}` });
    expect(reply).toBeUndefined();
    expect(ctx.consumer).toMatchObject({ username: 'rose', credentialId: 'cred-rose' });
  });

  it('matches the scheme case-insensitively and removes whitespace in the decoded fields, as APISIX', () => {
    expect(run({ authorization: `bAsIc ${b64('foo:bar')}` }).reply).toBeUndefined();
    expect(run({ authorization: `Basic ${b64(' foo : b a r ')}` }).reply).toBeUndefined();
  });

  it('uses only the text between the first and second colon as the password (APISIX split)', () => {
    expect(run({ authorization: `Basic ${b64('foo:bar:ignored')}` }).reply).toBeUndefined();
  });

  it('removes Authorization from the upstream request with hide_credentials', () => {
    const { ctx } = run({ authorization: `Basic ${b64('foo:bar')}` }, { hide_credentials: true });
    expect(ctx.headers.authorization).toBeUndefined();
  });

  it('uses the configured realm in the challenge', () => {
    expect(run({}, { realm: 'gw' }).reply?.headers).toEqual({ 'WWW-Authenticate': 'Basic realm="gw"' });
  });

  it('falls back to anonymous_consumer on failure, hiding the credentials', () => {
    const { reply, ctx } = run(
      { authorization: `Basic ${b64('foo:wrong')}` },
      { anonymous_consumer: 'anon', hide_credentials: true },
    );
    expect(reply).toBeUndefined();
    expect(ctx.consumer?.username).toBe('anon');
    expect(ctx.headers.authorization).toBeUndefined();
  });

  it('answers 401 Invalid user authorization with the challenge when the anonymous consumer does not exist', () => {
    const { reply, ctx } = run({}, { anonymous_consumer: 'ghost' });
    expect(reply).toEqual({
      status: 401,
      body: { message: 'Invalid user authorization' },
      headers: { 'WWW-Authenticate': 'Basic realm="basic"' },
    });
    expect(JSON.stringify(ctx.logs)).toContain('failed to get anonymous consumer ghost');
  });

  it('never logs the password, even for undecodable or malformed headers', () => {
    for (const h of [`Basic ${b64('s3cr3t-no-colon')}`, `Basic ${b64('foo:s3cr3t')}`, `Basic ${b64('nobody:s3cr3t')}`]) {
      const { ctx } = run({ authorization: h });
      expectNoSecretInLogs(ctx, 's3cr3t');
    }
  });
});

describe('parseBasic', () => {
  it('follows the APISIX extraction rules', () => {
    expect(parseBasic(`Basic ${b64('a:b')}`)).toEqual({ ok: true, username: 'a', password: Buffer.from('b') });
    expect(parseBasic(`xxBasic ${b64('a:b')}`)).toMatchObject({ ok: true, username: 'a' });
    expect(parseBasic('Basic')).toEqual({ ok: false, error: 'Invalid authorization header format' });
    expect(parseBasic('Basic a$b')).toEqual({ ok: false, error: 'Failed to decode authentication header: a$b' });
    expect(parseBasic(`Basic ${b64('ab')}`)).toEqual({ ok: false, error: 'Split authorization err: invalid decoded data: ab' });
    // nginx base64: padding optional, input read up to the first '='
    expect(parseBasic(`Basic ${b64('a:bc').replace(/=+$/, '')}`)).toMatchObject({ ok: true, password: Buffer.from('bc') });
  });
});
