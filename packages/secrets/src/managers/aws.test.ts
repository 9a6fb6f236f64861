import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws } from './aws.js';

const http = (url: string, init: Parameters<typeof fetch>[1]) => fetch(url, init);
const secrets: Record<string, string> = { 'prod/openai': '{"key":"sk-test","org":"o1"}', 'a/b/c': 'whole-value' };
const seen: { target?: string; auth?: string; body: unknown }[] = [];
let server: Server;
let endpoint: string;

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += c;
  return s;
}

beforeAll(async () => {
  // A Secrets Manager endpoint speaking the AWS JSON 1.1 protocol of GetSecretValue.
  server = createServer(async (req, res) => {
    const b = JSON.parse(await body(req)) as { SecretId: string };
    seen.push({ target: req.headers['x-amz-target'] as string, auth: req.headers.authorization as string, body: b });
    const value = secrets[b.SecretId];
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    if (value === undefined) {
      res.statusCode = 400;
      res.end(
        JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }),
      );
      return;
    }
    res.end(JSON.stringify({ Name: b.SecretId, SecretString: value, VersionStages: ['AWSCURRENT'] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const conf = () => ({ access_key_id: 'AKID', secret_access_key: 'SECRET', region: 'eu-west-1', endpoint_url: endpoint });

describe('aws secret manager against a Secrets Manager endpoint', () => {
  it('signs GetSecretValue with SigV4 for the region and reads the whole secret', async () => {
    expect(await aws.get(conf(), 'a/b/c', http)).toBe('whole-value');
    const req = seen.at(-1)!;
    expect(req.target).toBe('secretsmanager.GetSecretValue');
    expect(req.body).toEqual({ SecretId: 'a/b/c', VersionStage: 'AWSCURRENT' });
    expect(req.auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=/);
  });

  it('moves trailing segments into a JSON field when the longer name does not exist', async () => {
    seen.length = 0;
    expect(await aws.get(conf(), 'prod/openai/key', http)).toBe('sk-test');
    expect(seen.map((s) => (s.body as { SecretId: string }).SecretId)).toEqual(['prod/openai/key', 'prod/openai']);
  });

  it('fails with the store error when no split names a secret', async () => {
    await expect(aws.get(conf(), 'missing/x', http)).rejects.toThrow(
      'failed to retrieve data from aws secret manager: invalid status code 400, ResourceNotFoundException',
    );
    await expect(aws.get(conf(), '/x', http)).rejects.toThrow("can't find main key, key: /x");
  });
});
