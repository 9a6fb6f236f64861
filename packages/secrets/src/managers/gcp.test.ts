import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcp } from './gcp.js';

const http = (url: string, init: Parameters<typeof fetch>[1]) => fetch(url, init);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const log: { path: string; auth?: string }[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  // One server plays both Google endpoints: the OAuth token exchange and Secret Manager's access.
  server = createServer((req, res) => {
    log.push({ path: req.url ?? '', auth: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    if (req.url === '/token') {
      res.end(JSON.stringify({ access_token: 'ya29.test', expires_in: 3600, token_type: 'Bearer' }));
      return;
    }
    const m = /^\/v1\/projects\/proj-1\/secrets\/([^/]+)\/versions\/latest:access$/.exec(req.url ?? '');
    if (m?.[1] === 'openai') {
      res.end(JSON.stringify({ name: 'x', payload: { data: Buffer.from('{"key":"sk-gcp"}').toString('base64') } }));
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { code: 404, status: 'NOT_FOUND' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const conf = () => ({
  ssl_verify: true,
  auth_config: {
    client_email: 'gw@proj-1.iam.gserviceaccount.com',
    private_key: pem,
    project_id: 'proj-1',
    token_uri: `${base}/token`,
    scope: ['https://www.googleapis.com/auth/cloud-platform'],
    entries_uri: `${base}/v1`,
  },
});

describe('gcp secret manager against local OAuth and Secret Manager endpoints', () => {
  it('exchanges a service-account JWT for a token, then reads and decodes the latest version', async () => {
    expect(await gcp.get(conf(), 'openai', http)).toBe('{"key":"sk-gcp"}');
    expect(await gcp.get(conf(), 'openai/key', http)).toBe('sk-gcp');
    expect(log.filter((l) => l.path === '/token')).toHaveLength(1);
    expect(log.at(-1)).toEqual({ path: '/v1/projects/proj-1/secrets/openai/versions/latest:access', auth: 'Bearer ya29.test' });
  });

  it('fails on a secret the store does not have', async () => {
    await expect(gcp.get(conf(), 'missing', http)).rejects.toThrow('failed to retrtive data from gcp secret manager: status 404');
    await expect(gcp.get(conf(), '/x', http)).rejects.toThrow("can't find main key, key: /x");
  });
});
