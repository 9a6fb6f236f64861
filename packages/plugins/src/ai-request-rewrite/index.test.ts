import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkPluginConf } from '@portico/schemas';
import { createTestCa, startMockLlm, type MockLlm, type TestCa } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { aiRequestRewrite } from './index.js';
import { aiRequestRewriteDefinition, type AiRequestRewriteConf } from './schema.js';

const KEY = 'sk-rewrite-key';
const REWRITTEN = '{"content":"John said his debit card number is **** **** **** 1111"}';

let mock: MockLlm;
let bedrock: Server;
let bedrockSeen: { url: string; body: unknown }[];
let ca: TestCa;
let tlsMock: MockLlm;

beforeAll(async () => {
  mock = await startMockLlm({ apiKey: KEY, content: REWRITTEN });
  bedrockSeen = [];
  bedrock = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bedrockSeen.push({ url: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'part1' }, { text: 'part2' }] } } }));
    });
  });
  await new Promise<void>((r) => bedrock.listen(0, '127.0.0.1', r));
  ca = createTestCa();
  tlsMock = await startMockLlm({ apiKey: KEY, content: REWRITTEN, tls: ca.issue({ cn: 'localhost', dns: ['localhost'] }) });
});
afterAll(async () => {
  await mock?.close();
  await new Promise<void>((r) => bedrock.close(() => r()));
  await tlsMock?.close();
  ca?.cleanup();
});

function prepared(conf: Record<string, unknown>) {
  const c = structuredClone(conf);
  expect(checkPluginConf(aiRequestRewriteDefinition, c, 'route')).toBeUndefined();
  return aiRequestRewrite.prepare!(c as unknown as AiRequestRewriteConf, {} as never);
}

async function run(conf: Record<string, unknown>, body: string) {
  const state = prepared(conf);
  try {
    const ctx = fakeContext({
      body,
      headers: { 'content-type': 'text/plain', authorization: 'Bearer client-secret', 'x-client': '1' },
    });
    const reply = await aiRequestRewrite.access!(ctx, state);
    return { reply, body: (await ctx.readBody()).toString(), logs: ctx.logs };
  } finally {
    aiRequestRewrite.destroy!(state);
  }
}

const base = () => ({
  prompt: 'some prompt to test',
  provider: 'openai',
  auth: { header: { Authorization: `Bearer ${KEY}` } },
  override: { endpoint: mock.url },
});

describe('ai-request-rewrite schema', () => {
  it('applies the 3.18 defaults at priority 1073', () => {
    const conf: Record<string, unknown> = { prompt: 'p', provider: 'openai', auth: { header: { Authorization: 'Bearer t' } } };
    expect(checkPluginConf(aiRequestRewriteDefinition, conf, 'route')).toBeUndefined();
    expect(conf).toMatchObject({
      max_req_body_size: 67108864,
      timeout: 30000,
      keepalive: true,
      keepalive_pool: 30,
      ssl_verify: true,
    });
    expect(aiRequestRewriteDefinition.priority).toBe(1073);
  });

  it('reports the missing required fields and unknown providers with APISIX messages', () => {
    const auth = { header: { Authorization: 'Bearer t' } };
    expect(checkPluginConf(aiRequestRewriteDefinition, { provider: 'openai', auth }, 'route')).toBe(
      'property "prompt" is required',
    );
    expect(checkPluginConf(aiRequestRewriteDefinition, { prompt: 'p', provider: 'openai' }, 'route')).toBe(
      'property "auth" is required',
    );
    expect(checkPluginConf(aiRequestRewriteDefinition, { prompt: 'p', auth }, 'route')).toBe('property "provider" is required');
    expect(checkPluginConf(aiRequestRewriteDefinition, { prompt: 'p', provider: 'invalid-provider', auth }, 'route')).toBe(
      'property "provider" validation failed: matches none of the enum values',
    );
    expect(checkPluginConf(aiRequestRewriteDefinition, { prompt: 'p', provider: 'openai', auth, timeout: 60001 }, 'route')).toBe(
      'property "timeout" validation failed: expected 60001 to be at most 60000',
    );
  });

  it('requires override.endpoint for openai-compatible before anything else', () => {
    const msg = 'override.endpoint is required for openai-compatible provider';
    expect(checkPluginConf(aiRequestRewriteDefinition, { provider: 'openai-compatible' }, 'route')).toBe(msg);
    expect(checkPluginConf(aiRequestRewriteDefinition, { prompt: 'p', provider: 'openai-compatible', auth: {} }, 'route')).toBe(
      msg,
    );
    expect(
      checkPluginConf(
        aiRequestRewriteDefinition,
        { prompt: 'p', provider: 'openai-compatible', auth: {}, override: { endpoint: 'http://x/v1' } },
        'route',
      ),
    ).toBeUndefined();
  });
});

describe('ai-request-rewrite access', () => {
  it('sends the prompt and the client body to the LLM and replaces the body with its answer', async () => {
    const before = mock.requests.length;
    const r = await run({ ...base(), options: { model: 'gpt-4', temperature: 0.5 } }, 'some random content');
    expect(r.reply).toBeUndefined();
    expect(r.body).toBe(REWRITTEN);
    const seen = mock.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/v1/chat/completions');
    expect(seen[0]!.json).toEqual({
      messages: [
        { role: 'system', content: 'some prompt to test' },
        { role: 'user', content: 'some random content' },
      ],
      stream: false,
      model: 'gpt-4',
      temperature: 0.5,
    });
    // Only the configured credentials and a JSON content type: nothing of the client's headers.
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.headers['x-client']).toBeUndefined();
  });

  it('authenticates with auth.query merged into the endpoint query', async () => {
    const before = mock.requests.length;
    const r = await run(
      { ...base(), auth: { query: { api_key: KEY } }, override: { endpoint: `${mock.url}/custom/path?v=1` } },
      'x',
    );
    expect(r.reply).toBeUndefined();
    expect(mock.requests[before]!.path).toBe('/custom/path');
    expect(mock.requests[before]!.query).toEqual({ api_key: KEY, v: '1' });
  });

  it('answers 500 when the LLM rejects the call, and logs the status', async () => {
    const r = await run({ ...base(), auth: { header: { Authorization: 'Bearer wrong-token' } } }, 'x');
    expect(r.reply).toEqual({ status: 500 });
    expect(r.logs.some((l) => l.level === 'error' && l.msg === 'LLM service returned error status: 401')).toBe(true);
  });

  it('answers 500 when the LLM cannot be reached or times out', async () => {
    const down = await run({ ...base(), override: { endpoint: 'http://127.0.0.1:1' } }, 'x');
    expect(down.reply).toEqual({ status: 500 });
    mock.setBehavior({ delayHeadersMs: 1500 });
    try {
      const slow = await run({ ...base(), timeout: 200 }, 'x');
      expect(slow.reply).toEqual({ status: 500 });
    } finally {
      mock.setBehavior(undefined);
    }
  });

  it('verifies the LLM certificate unless ssl_verify is false', async () => {
    const endpoint = `https://localhost:${tlsMock.port}`;
    const verified = await run({ ...base(), override: { endpoint } }, 'x');
    expect(verified.reply).toEqual({ status: 500 });
    expect(verified.logs.some((l) => l.level === 'error' && l.msg?.startsWith('failed to request LLM: '))).toBe(true);
    const unverified = await run({ ...base(), override: { endpoint }, ssl_verify: false }, 'x');
    expect(unverified.reply).toBeUndefined();
    expect(unverified.body).toBe(REWRITTEN);
  });

  it('accepts an undeclared keepalive_timeout of any type, as the Lua schema does', async () => {
    const r = await run({ ...base(), keepalive_timeout: 'soon' }, 'x');
    expect(r.reply).toBeUndefined();
    expect(r.body).toBe(REWRITTEN);
  });

  it('answers a bodyless 400 for an empty or oversized client body without calling the LLM', async () => {
    const before = mock.requests.length;
    expect((await run(base(), '')).reply).toEqual({ status: 400 });
    expect((await run({ ...base(), max_req_body_size: 3 }, 'four')).reply).toEqual({ status: 400 });
    expect(mock.requests.length).toBe(before);
  });

  it('answers 500 for a provider without a default host and no endpoint', async () => {
    const r = await run({ prompt: 'p', provider: 'azure-openai', auth: { header: { 'api-key': 'k' } } }, 'x');
    expect(r.reply).toEqual({ status: 500 });
  });

  it('speaks Converse to bedrock, without the model, joining the text blocks', async () => {
    const port = (bedrock.address() as AddressInfo).port;
    const r = await run(
      {
        prompt: 'sys',
        provider: 'bedrock',
        auth: { header: { 'x-token': 't' } },
        options: { model: 'anthropic.claude', max_tokens: 100 },
        override: { endpoint: `http://127.0.0.1:${port}/model/anthropic.claude/converse` },
      },
      'hello',
    );
    expect(r.reply).toBeUndefined();
    expect(r.body).toBe('part1 part2');
    expect(bedrockSeen.at(-1)).toEqual({
      url: '/model/anthropic.claude/converse',
      body: {
        messages: [{ role: 'user', content: [{ text: 'hello' }] }],
        system: [{ text: 'sys' }],
        inferenceConfig: { maxTokens: 100 },
        max_tokens: 100,
      },
    });
  });
});
