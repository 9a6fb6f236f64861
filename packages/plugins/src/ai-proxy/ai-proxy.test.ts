import { createServer } from 'node:net';
import type { Reply } from '@portico/plugin-sdk';
import { startMockLlm, type MockLlm } from '@portico/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeContext, replyBody, type FakeContextInit } from '../testing/fake-context.js';
import { aiProxy, type AiProxyConf } from './index.js';
import type { AiProxyState } from './index.js';

const KEY = 'sk-secret-key-123';
let mock: MockLlm;
const states: AiProxyState[] = [];

beforeAll(async () => {
  mock = await startMockLlm({ apiKey: KEY });
});
afterAll(() => mock.close());
afterEach(() => {
  mock.requests.length = 0;
  mock.setBehavior(undefined);
  for (const s of states.splice(0)) aiProxy.destroy!(s);
});

function conf(extra: Partial<AiProxyConf> = {}): AiProxyConf {
  return {
    provider: 'openai',
    auth: { header: { Authorization: `Bearer ${KEY}` } },
    override: { endpoint: mock.url },
    timeout: 30000,
    keepalive: true,
    keepalive_timeout: 60000,
    keepalive_pool: 30,
    ssl_verify: true,
    ...extra,
  };
}

const chatBody = JSON.stringify({
  messages: [
    { role: 'system', content: 'You are a mathematician' },
    { role: 'user', content: 'What is 1+1?' },
  ],
});

async function run(c: AiProxyConf, init: FakeContextInit = {}) {
  const state = aiProxy.prepare!(c, { resourceKey: '/apisix/routes/1', scope: 'route', services: undefined as never });
  states.push(state);
  const ctx = fakeContext({ headers: { 'content-type': 'application/json', host: 'gateway.local' }, body: chatBody, ...init });
  const early = (await aiProxy.access!(ctx, state)) as Reply | undefined;
  const reply = early ?? ((await aiProxy.beforeProxy!(ctx, state)) as Reply);
  return { ctx, reply, state };
}

describe('ai-proxy request validation (exact APISIX 400 bodies)', () => {
  it('rejects a non-JSON content type with the raw string body', async () => {
    const { reply } = await run(conf(), { headers: { 'content-type': 'text/plain' } });
    expect(reply).toEqual({ status: 400, body: 'unsupported content-type: text/plain, only application/json is supported' });
    expect(mock.requests).toHaveLength(0);
  });

  it('rejects an empty body', async () => {
    const { reply } = await run(conf(), { body: '' });
    expect(reply).toEqual({ status: 400, body: { message: 'could not get body: request body is empty' } });
  });

  it('rejects invalid JSON with the lua-cjson message', async () => {
    const { reply } = await run(conf(), { body: '{"a""b"}' });
    expect((await replyBody(reply)).toString()).toBe(
      '{"message":"could not parse JSON request body: Expected colon but found T_STRING at character 5"}\n',
    );
  });

  it('treats a missing content type as JSON', async () => {
    const { reply } = await run(conf(), { headers: {} });
    expect(reply.status).toBe(200);
  });
});

describe('ai-proxy chat', () => {
  it('proxies a chat request and passes the response bytes through', async () => {
    const { ctx, reply } = await run(conf({ options: { model: 'gpt-4' } }), {
      headers: {
        'content-type': 'application/json',
        host: 'gateway.local',
        'x-request-id': 'abc',
        'accept-encoding': 'gzip',
        connection: 'keep-alive',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers).toEqual({ 'content-type': 'application/json' });
    const body = JSON.parse((await replyBody(reply)).toString());
    expect(body.model).toBe('gpt-4-0613');
    expect(body.choices[0].message.content).toBe('1+1 equals 2.');

    const seen = mock.requests[0]!;
    expect(seen.path).toBe('/v1/chat/completions');
    expect(seen.json).toEqual({ ...JSON.parse(chatBody), model: 'gpt-4' });
    expect(seen.headers['x-request-id']).toBe('abc');
    expect(seen.headers.host).toBe(`127.0.0.1:${mock.port}`);
    expect(seen.headers['accept-encoding']).toBeUndefined();
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(seen.body)));

    expect(ctx.varValues.get('request_type')).toBe('ai_chat');
    expect(ctx.varValues.get('request_llm_model')).toBeUndefined();
    expect(ctx.varValues.get('llm_model')).toBe('gpt-4');
    expect(ctx.varValues.get('llm_prompt_tokens')).toBe(23);
    expect(ctx.varValues.get('llm_completion_tokens')).toBe(8);
    expect(ctx.varValues.get('upstream_status')).toBe(200);
    expect(ctx.varValues.get('upstream_uri')).toBe('/v1/chat/completions');
    expect(typeof ctx.varValues.get('llm_time_to_first_token')).toBe('number');
    expect(ctx.shared.get('picked_ai_instance_name')).toBe('ai-proxy-openai');
    expect(ctx.shared.get('ai_token_usage')).toEqual({
      prompt_tokens: 23,
      completion_tokens: 8,
      total_tokens: 31,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 0,
    });
  });

  it('overrides the client Authorization with the configured one', async () => {
    const { reply } = await run(conf(), {
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong token' },
    });
    expect(reply.status).toBe(200);
    expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('lets options override client fields and records the client model', async () => {
    const { ctx } = await run(conf({ options: { model: 'gpt-4', temperature: 0 } }), {
      body: JSON.stringify({ model: 'gpt-3.5-turbo', temperature: 1, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(mock.requests[0]!.json).toMatchObject({ model: 'gpt-4', temperature: 0 });
    expect(ctx.varValues.get('request_llm_model')).toBe('gpt-3.5-turbo');
    expect(ctx.varValues.get('llm_model')).toBe('gpt-4');
  });

  it('drops model for azure-openai', async () => {
    await run(conf({ provider: 'azure-openai', options: { model: 'gpt-4' } }));
    expect(mock.requests[0]!.path).toBe('/completions');
    expect(mock.requests[0]!.json).not.toHaveProperty('model');
  });

  it('merges auth.query with the endpoint query, endpoint winning', async () => {
    const { ctx } = await run(
      conf({
        auth: { query: { api_key: KEY, some_query: 'no' } },
        override: { endpoint: `${mock.url}/v1/chat/completions?some_query=yes` },
      }),
    );
    expect(mock.requests[0]!.query).toEqual({ api_key: KEY, some_query: 'yes' });
    expect(ctx.varValues.get('upstream_uri')).toBe('/v1/chat/completions?some_query=yes');
  });

  it.each([
    ['', '/v1/chat/completions'],
    ['/', '/'],
    ['/random', '/random'],
  ])('endpoint path "%s" sends to %s', async (suffix, path) => {
    await run(conf({ override: { endpoint: mock.url + suffix } }));
    expect(mock.requests[0]!.path).toBe(path);
  });

  it('passes other 4xx answers through with their body', async () => {
    const { reply } = await run(conf({ auth: { header: { Authorization: 'Bearer nope' } } }));
    expect(reply.status).toBe(401);
    expect(JSON.parse((await replyBody(reply)).toString()).error.code).toBe('invalid_api_key');
  });
});

describe('ai-proxy upstream failures', () => {
  it.each([429, 500, 503])('passes an upstream %i body and content type to the client', async (status) => {
    mock.setBehavior({ status, errorBody: { error: { message: `boom ${status}` } } });
    const { reply } = await run(conf());
    expect(reply.status).toBe(status);
    expect(reply.headers).toEqual({ 'content-type': 'application/json' });
    expect((await replyBody(reply)).toString()).toBe(`{"error":{"message":"boom ${status}"}}`);
  });

  it('answers 504 when the LLM does not answer within timeout', async () => {
    mock.setBehavior({ delayHeadersMs: 400 });
    const { reply, ctx } = await run(conf({ timeout: 100 }));
    expect(reply).toEqual({ status: 504 });
    expect(ctx.logs.some((l) => (l.obj as { code?: string }).code === 'AI_UPSTREAM_TIMEOUT')).toBe(true);
  });

  it('answers 502 when the connection is refused', async () => {
    const port = await closedPort();
    const { reply } = await run(conf({ override: { endpoint: `http://127.0.0.1:${port}` } }));
    expect(reply).toEqual({ status: 502 });
  });

  it('answers 500 for openai-compatible without an endpoint', async () => {
    const { reply } = await run(conf({ provider: 'openai-compatible', override: undefined }));
    expect(reply).toEqual({ status: 500 });
  });
});

describe('ai-proxy streaming', () => {
  it('forwards chunks before the LLM has finished and records usage', async () => {
    mock.setBehavior({ chunks: 4, intervalMs: 60 });
    const { ctx, reply } = await run(conf(), {
      body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(reply.status).toBe(200);
    expect(reply.headers).toEqual({ 'content-type': 'text/event-stream; charset=utf-8' });
    const it = (reply.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(mock.requests[0]!.finishedAt).toBeUndefined();
    const parts = [Buffer.from(first.value!)];
    for (let r = await it.next(); !r.done; r = await it.next()) parts.push(Buffer.from(r.value));
    const text = Buffer.concat(parts).toString();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(parts.length).toBeGreaterThan(3);
    expect(mock.requests[0]!.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(ctx.varValues.get('request_type')).toBe('ai_stream');
    expect(ctx.shared.get('ai_token_usage')).toEqual({
      prompt_tokens: 23,
      completion_tokens: 8,
      total_tokens: 31,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 0,
    });
    expect(ctx.varValues.get('llm_time_to_first_token')).toBeLessThan(
      ctx.varValues.get('apisix_upstream_response_time') as number,
    );
  });

  it('treats options.stream as a streaming request', async () => {
    const { ctx, reply } = await run(conf({ options: { stream: true } }));
    await replyBody(reply);
    expect(ctx.varValues.get('request_type')).toBe('ai_stream');
    expect(mock.requests[0]!.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(ctx.shared.get('ai_token_usage')).toMatchObject({ total_tokens: 31 });
  });

  it('leaves usage unset when the stream carries none', async () => {
    mock.setBehavior({ omitUsage: true });
    const { ctx, reply } = await run(conf({ options: { stream: true } }));
    await replyBody(reply);
    expect(ctx.shared.has('ai_token_usage')).toBe(false);
  });

  it('cancels the upstream request when the client goes away', async () => {
    mock.setBehavior({ chunks: 20, intervalMs: 50 });
    const ac = new AbortController();
    const { reply } = await run(conf({ options: { stream: true } }), { signal: ac.signal });
    const it = (reply.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    await expect(it.next()).rejects.toMatchObject({ code: 'AI_CLIENT_ABORTED' });
    await waitFor(() => mock.requests[0]!.aborted);
    expect(mock.requests[0]!.finishedAt).toBeUndefined();
  });

  it('stops the upstream stream when the consumer stops reading', async () => {
    mock.setBehavior({ chunks: 20, intervalMs: 50 });
    const { reply } = await run(conf({ options: { stream: true } }));
    const it = (reply.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    await it.next();
    await it.return!(undefined);
    await waitFor(() => mock.requests[0]!.aborted);
  });

  it('throws a timeout error when events stop arriving for longer than timeout', async () => {
    mock.setBehavior({ chunks: 3, intervalMs: 300 });
    const { reply } = await run(conf({ options: { stream: true }, timeout: 100 }));
    await expect(replyBody(reply)).rejects.toMatchObject({ code: 'AI_UPSTREAM_TIMEOUT' });
  });

  it('throws when the LLM drops the connection mid-stream', async () => {
    mock.setBehavior({ dropAfterEvents: 2 });
    const { reply } = await run(conf({ options: { stream: true } }));
    await expect(replyBody(reply)).rejects.toMatchObject({ code: 'AI_UPSTREAM_CONNECT' });
  });
});

describe('ai-proxy embeddings', () => {
  it('sends input-only bodies to the provider embeddings path', async () => {
    const { ctx, reply } = await run(conf({ options: { model: 'text-embedding-3-small', encoding_format: 'float' } }), {
      body: '{"input":"hello world"}',
    });
    expect(mock.requests[0]!.path).toBe('/v1/embeddings');
    expect(mock.requests[0]!.json).toEqual({ input: 'hello world', model: 'text-embedding-3-small', encoding_format: 'float' });
    const body = JSON.parse((await replyBody(reply)).toString());
    expect(body).toMatchObject({ object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 2, total_tokens: 2 } });
    expect(ctx.varValues.get('llm_prompt_tokens')).toBe(2);
  });

  it('converts vertex-ai embeddings to predict and back', async () => {
    const { reply } = await run(
      conf({
        provider: 'vertex-ai',
        provider_conf: { project_id: 'p1', region: 'us-central1' },
        options: { model: 'text-embedding-004' },
      }),
      { body: '{"input":["a","b"]}' },
    );
    expect(mock.requests[0]!.path).toBe(
      '/v1/projects/p1/locations/us-central1/publishers/google/models/text-embedding-004:predict',
    );
    expect(mock.requests[0]!.json).toEqual({ instances: [{ content: 'a' }, { content: 'b' }] });
    const body = JSON.parse((await replyBody(reply)).toString());
    expect(body.model).toBe('text-embedding-004');
    expect(body.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    expect(body.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
  });
});

describe('ai-proxy logging', () => {
  it('fills llm_summary, llm_request and llm_response_text, and never logs the key', async () => {
    const { ctx, state } = await run(conf({ options: { model: 'gpt-4' }, logging: { summaries: true, payloads: true } }));
    await aiProxy.log!(ctx, state);
    expect(ctx.logFields.llm_summary).toMatchObject({
      request_model: '',
      model: 'gpt-4',
      prompt_tokens: 23,
      completion_tokens: 8,
    });
    expect(ctx.logFields.llm_request).toEqual({ messages: JSON.parse(chatBody).messages, stream: false });
    expect(ctx.logFields.llm_response_text).toEqual({ content: '1+1 equals 2.' });
    expect(JSON.stringify(ctx.logs)).not.toContain(KEY);
  });

  it('adds nothing without logging conf', async () => {
    const { ctx, state } = await run(conf());
    await aiProxy.log!(ctx, state);
    expect(ctx.logFields).toEqual({});
  });
});

describe('ai-proxy keepalive', () => {
  it('closes upstream connections after each response when keepalive is false', async () => {
    await run(conf({ keepalive: false }));
    expect(mock.requests[0]!.headers.connection).toBe('close');
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}
