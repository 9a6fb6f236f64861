import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reply } from '@portico/plugin-sdk';
import { startMockLlm, type MockLlm } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeContext, replyBody } from '../testing/fake-context.js';
import { aiProxy, type AiProxyConf } from './index.js';

const base = { timeout: 5000, keepalive: true, keepalive_timeout: 60000, keepalive_pool: 30, ssl_verify: true };

async function run(c: AiProxyConf, body: string): Promise<Reply> {
  const state = aiProxy.prepare!(c, { resourceKey: '/apisix/routes/1', scope: 'route', services: undefined as never });
  try {
    const ctx = fakeContext({ headers: { 'content-type': 'application/json' }, body });
    const early = (await aiProxy.access!(ctx, state)) as Reply | undefined;
    const reply = early ?? ((await aiProxy.beforeProxy!(ctx, state)) as Reply);
    await replyBody(reply).then((b) => (reply.body = b));
    return reply;
  } finally {
    aiProxy.destroy!(state);
  }
}

describe('ai-proxy over TLS', () => {
  let dir: string;
  let mock: MockLlm;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ai-proxy-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    mock = await startMockLlm({
      tls: { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') },
    });
  });
  afterAll(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an untrusted certificate with 502 when ssl_verify is true', async () => {
    const reply = await run({ ...base, provider: 'openai', auth: {}, override: { endpoint: mock.url } }, '{"messages":[]}');
    expect(reply.status).toBe(502);
  });

  it('accepts it when ssl_verify is false', async () => {
    const reply = await run(
      { ...base, ssl_verify: false, provider: 'openai', auth: {}, override: { endpoint: mock.url } },
      '{"messages":[]}',
    );
    expect(reply.status).toBe(200);
  });
});

describe('ai-proxy vertex-ai with a GCP service account', () => {
  let mock: MockLlm;
  let tokenServer: http.Server;
  let tokenUri: string;
  let exchanges = 0;
  beforeAll(async () => {
    mock = await startMockLlm();
    tokenServer = http.createServer((req, res) => {
      exchanges++;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: `ya29.token${exchanges}`, expires_in: 3600, token_type: 'Bearer' }));
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', () => r()));
    tokenUri = `http://127.0.0.1:${(tokenServer.address() as { port: number }).port}/token`;
  });
  afterAll(async () => {
    await mock.close();
    await new Promise((r) => tokenServer.close(r));
  });

  it('sends the exchanged OAuth token as Bearer and uses the provider_conf chat path', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const sa = JSON.stringify({ client_email: 'svc@p.iam.gserviceaccount.com', private_key: pem, token_uri: tokenUri });
    const reply = await run(
      {
        ...base,
        provider: 'vertex-ai',
        auth: { header: { Authorization: 'Bearer overridden' }, gcp: { service_account_json: sa, expire_early_secs: 60 } },
        provider_conf: { project_id: 'p1', region: 'us-central1' },
        override: { endpoint: mock.url },
      },
      '{"messages":[{"role":"user","content":"hi"}]}',
    );
    expect(reply.status).toBe(200);
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer ya29.token1');
    expect(mock.requests[0]!.path).toBe('/v1beta1/projects/p1/locations/us-central1/endpoints/openapi/chat/completions');
  });
});
