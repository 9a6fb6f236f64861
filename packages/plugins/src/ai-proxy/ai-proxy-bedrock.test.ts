import type { Reply } from '@portico/plugin-sdk';
import { EventStreamDecoder } from '@portico/providers';
import { createTestCa, startMockBedrock, type MockBedrock, type TestCa } from '@portico/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeContext, replyBody, type FakeContext } from '../testing/fake-context.js';
import { aiProxy, type AiProxyConf } from './index.js';
import { aiProxyDefinition } from './schema.js';

const MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const aws = { access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const CONVERSE_BODY = '{"messages":[{"role":"user","content":[{"text":"What is 1+1?"}]}]}';

let ca: TestCa;
let mock: MockBedrock;

function conf(extra: Partial<AiProxyConf> = {}): AiProxyConf {
  return {
    timeout: 5000,
    keepalive: true,
    keepalive_timeout: 60000,
    keepalive_pool: 30,
    ssl_verify: false,
    provider: 'bedrock',
    auth: { aws },
    provider_conf: { region: 'us-east-1' },
    options: { model: MODEL },
    override: { endpoint: mock.url },
    ...extra,
  };
}

async function run(
  c: AiProxyConf,
  body: string,
  uri: string,
  headers: Record<string, string> = {},
): Promise<{ reply: Reply; body: Buffer; ctx: FakeContext }> {
  const state = aiProxy.prepare!(c, { resourceKey: '/apisix/routes/1', scope: 'route', services: undefined as never });
  try {
    const ctx = fakeContext({ headers: { 'content-type': 'application/json', ...headers }, body, uri });
    const early = (await aiProxy.access!(ctx, state)) as Reply | undefined;
    const reply = early ?? ((await aiProxy.beforeProxy!(ctx, state)) as Reply);
    return { reply, body: await replyBody(reply), ctx };
  } finally {
    aiProxy.destroy!(state);
  }
}

beforeAll(async () => {
  ca = createTestCa();
  mock = await startMockBedrock({
    tls: ca.issue({ cn: '127.0.0.1', dns: ['127.0.0.1'] }),
    credentials: { accessKeyId: aws.access_key_id, secretAccessKey: aws.secret_access_key },
    region: 'us-east-1',
  });
});
afterAll(async () => {
  await mock.close();
  ca.cleanup();
});
beforeEach(() => {
  mock.requests.length = 0;
  mock.setBehavior(undefined);
});

describe('ai-proxy bedrock: Converse clients (APISIX behaviour)', () => {
  it('signs the request, posts to /model/<encoded id>/converse and forwards the Converse JSON', async () => {
    const { reply, body, ctx } = await run(conf(), CONVERSE_BODY, '/ai/converse');
    expect(reply.status).toBe(200);
    const out = JSON.parse(body.toString()) as { output: { message: { content: { text: string }[] } }; usage: unknown };
    expect(out.output.message.content[0]!.text).toBe('Hello!');
    const rec = mock.requests[0]!;
    expect(rec.signature).toEqual({ ok: true });
    expect(rec.url).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(rec.body).toBe(CONVERSE_BODY);
    expect(ctx.varValues.get('llm_prompt_tokens')).toBe(13);
    expect(ctx.varValues.get('llm_completion_tokens')).toBe(5);
    expect(ctx.varValues.get('llm_model')).toBe(MODEL);
  });

  it('streams with stream:true to /converse-stream, forwarding event-stream bytes, usage read on the side', async () => {
    mock.setBehavior({ splitBytes: 7 });
    const { reply, body, ctx } = await run(
      conf(),
      '{"stream":true,"messages":[{"role":"user","content":[{"text":"hi"}]}]}',
      '/ai/converse',
    );
    expect(reply.status).toBe(200);
    expect(reply.headers).toEqual({ 'content-type': 'application/vnd.amazon.eventstream' });
    const frames = new EventStreamDecoder().push(body);
    expect(frames.map((f) => f.headers[':event-type'])).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(mock.requests[0]!.url).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream');
    expect(mock.requests[0]!.json).toEqual({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
    expect(ctx.varValues.get('request_type')).toBe('ai_stream');
    expect(ctx.varValues.get('llm_prompt_tokens')).toBe(13);
    expect(ctx.varValues.get('llm_completion_tokens')).toBe(5);
  });

  it('forwards a stream exception frame to a Converse client untouched', async () => {
    mock.setBehavior({ streamException: { type: 'modelStreamErrorException', message: 'boom' } });
    const { reply, body, ctx } = await run(
      conf(),
      '{"stream":true,"messages":[{"role":"user","content":[{"text":"hi"}]}]}',
      '/ai/converse',
    );
    expect(reply.status).toBe(200);
    const frames = new EventStreamDecoder().push(body);
    expect(frames.at(-1)!.headers).toMatchObject({
      ':message-type': 'exception',
      ':exception-type': 'modelStreamErrorException',
    });
    expect(ctx.logs.some((l) => l.msg === 'Bedrock streaming exception')).toBe(true);
  });

  it('stops a ConverseStream after the chunk that crosses max_response_bytes', async () => {
    mock.setBehavior({ splitBytes: 40 });
    const { reply, body } = await run(
      conf({ max_response_bytes: 100 }),
      '{"stream":true,"messages":[{"role":"user","content":[{"text":"hi"}]}]}',
      '/ai/converse',
    );
    expect(reply.status).toBe(200);
    expect(body.length).toBe(120);
  });

  it('answers 502 max_response_bytes exceeded for a larger Converse JSON', async () => {
    const { reply, body } = await run(conf({ max_response_bytes: 20 }), CONVERSE_BODY, '/ai/converse');
    expect(reply.status).toBe(502);
    expect(body.toString()).toBe('max_response_bytes exceeded');
  });

  it('takes the model from the body when options.model is absent, and removes it', async () => {
    const { reply } = await run(
      conf({ options: {} }),
      `{"model":"${MODEL}","messages":[{"role":"user","content":[{"text":"q"}]}]}`,
      '/x/converse',
    );
    expect(reply.status).toBe(200);
    expect(mock.requests[0]!.url).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(mock.requests[0]!.json).toEqual({ messages: [{ role: 'user', content: [{ text: 'q' }] }] });
  });

  it('answers 400 could not resolve upstream path without any model', async () => {
    const { reply, body } = await run(conf({ options: {} }), CONVERSE_BODY, '/x/converse');
    expect(reply.status).toBe(400);
    expect(JSON.parse(body.toString())).toEqual({
      error_msg:
        'could not resolve upstream path: ensure the route or request body specifies a model, or that override.endpoint includes a path',
    });
    expect(mock.requests).toHaveLength(0);
  });

  it('encodes an inference profile ARN as one path segment, signed correctly', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/test123';
    await run(conf({ options: { model: arn } }), CONVERSE_BODY, '/ai/converse');
    expect(mock.requests[0]!.url).toBe(
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Ftest123/converse',
    );
    expect(mock.requests[0]!.signature).toEqual({ ok: true });
  });

  it('uses an override.endpoint path as given (raw ":" encoded on the wire)', async () => {
    await run(conf({ override: { endpoint: `${mock.url}/model/${MODEL}/converse` } }), CONVERSE_BODY, '/ai/converse');
    expect(mock.requests[0]!.url).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(mock.requests[0]!.signature).toEqual({ ok: true });
  });

  it('sends and signs the session token as x-amz-security-token', async () => {
    const token = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
    await run(conf({ auth: { aws: { ...aws, session_token: token } } }), CONVERSE_BODY, '/ai/converse');
    expect(mock.requests[0]!.headers['x-amz-security-token']).toBe(token);
    expect(String(mock.requests[0]!.headers.authorization)).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token,');
  });

  it('drops client x-amz-* headers and replaces a client authorization, so the signature holds', async () => {
    const { reply } = await run(conf(), CONVERSE_BODY, '/ai/converse', {
      authorization: 'Bearer client',
      'x-amz-security-token': 'client-token',
      'x-amz-date': '20000101T000000Z',
    });
    expect(reply.status).toBe(200);
    const rec = mock.requests[0]!;
    expect(rec.signature).toEqual({ ok: true });
    expect(rec.headers['x-amz-security-token']).toBeUndefined();
    expect(String(rec.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\//);
  });

  it("passes the upstream's 403 through when the secret is wrong", async () => {
    const { reply, body } = await run(
      conf({ auth: { aws: { ...aws, secret_access_key: 'wrong' } } }),
      CONVERSE_BODY,
      '/ai/converse',
    );
    expect(reply.status).toBe(403);
    expect(JSON.parse(body.toString())).toEqual({
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    });
  });

  it('returns an upstream 429 with its body as a failure (fallback-able)', async () => {
    mock.setBehavior({ status: 429 });
    const { reply, body } = await run(conf(), CONVERSE_BODY, '/ai/converse');
    expect(reply.status).toBe(429);
    expect(JSON.parse(body.toString())).toEqual({ message: 'Too many requests, please wait before trying again.' });
  });
});

describe('ai-proxy bedrock: protocol layer (APISIX 3.18)', () => {
  it('maps override.llm_options.max_tokens to inferenceConfig.maxTokens, forced', async () => {
    const body = '{"messages":[{"role":"user","content":[{"text":"q"}]}],"inferenceConfig":{"maxTokens":9,"temperature":0.1}}';
    await run(conf({ override: { endpoint: mock.url, llm_options: { max_tokens: 100 } } }), body, '/ai/converse');
    expect(mock.requests[0]!.json).toEqual({
      messages: [{ role: 'user', content: [{ text: 'q' }] }],
      inferenceConfig: { maxTokens: 100, temperature: 0.1 },
    });
  });

  it('deep-merges override.request_body["bedrock-converse"] into a Converse body', async () => {
    await run(
      conf({ override: { endpoint: mock.url, request_body: { 'bedrock-converse': { inferenceConfig: { topP: 0.5 } } } } }),
      CONVERSE_BODY,
      '/ai/converse',
    );
    expect(mock.requests[0]!.json).toEqual({ ...JSON.parse(CONVERSE_BODY), inferenceConfig: { topP: 0.5 } });
  });

  it('refuses an Anthropic Messages client with the APISIX unsupported-protocol 400', async () => {
    const { reply, body } = await run(
      conf(),
      '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"q"}]}',
      '/v1/messages',
    );
    expect(reply.status).toBe(400);
    expect(body.toString()).toBe('provider bedrock does not support anthropic-messages protocol (supported: bedrock-converse)');
    expect(mock.requests).toHaveLength(0);
  });

  it('answers a Converse request to another provider with its unsupported-protocol 400', async () => {
    const { reply, body } = await run(
      { ...conf(), provider: 'openai', auth: { header: { Authorization: 'Bearer k' } }, provider_conf: undefined },
      CONVERSE_BODY,
      '/ai/converse',
    );
    expect(reply.status).toBe(400);
    expect(body.toString()).toBe(
      'provider openai does not support bedrock-converse protocol (supported: openai-chat, openai-responses, openai-embeddings)',
    );
    expect(mock.requests).toHaveLength(0);
  });

  it('sets llm_total_tokens from Converse totalTokens', async () => {
    const { ctx } = await run(conf(), CONVERSE_BODY, '/ai/converse');
    expect(ctx.varValues.get('llm_total_tokens')).toBe(18);
  });
});

describe('ai-proxy bedrock: OpenAI chat clients (Portico extension)', () => {
  const chat =
    '{"model":"ignored","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"What is 1+1?"}],"max_tokens":64}';

  it('converts the request to Converse and the answer to a chat completion', async () => {
    const { reply, body, ctx } = await run(conf(), chat, '/v1/chat/completions');
    expect(reply.status).toBe(200);
    expect(mock.requests[0]!.json).toEqual({
      system: [{ text: 'Be brief' }],
      messages: [{ role: 'user', content: [{ text: 'What is 1+1?' }] }],
      inferenceConfig: { maxTokens: 64 },
    });
    const out = JSON.parse(body.toString()) as Record<string, unknown>;
    expect(out).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 },
    });
    expect(ctx.varValues.get('llm_prompt_tokens')).toBe(13);
  });

  it('applies override.llm_options.max_tokens before converting (maxTokens forced)', async () => {
    await run(conf({ override: { endpoint: mock.url, llm_options: { max_tokens: 7 } } }), chat, '/v1/chat/completions');
    expect((mock.requests[0]!.json as { inferenceConfig: unknown }).inferenceConfig).toEqual({ maxTokens: 7 });
  });

  it('converts ConverseStream into OpenAI SSE chunks ending with usage and [DONE]', async () => {
    mock.setBehavior({ splitBytes: 5 });
    const { reply, body } = await run(conf(), chat.replace('"max_tokens":64', '"stream":true'), '/v1/chat/completions');
    expect(reply.headers).toEqual({ 'content-type': 'text/event-stream' });
    const events = body
      .toString()
      .split('\n\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => e.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events
      .slice(0, -1)
      .map((e) => JSON.parse(e) as { choices: { delta: { content?: string } }[]; usage?: unknown });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello!');
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 });
  });

  it('turns a mid-stream throttlingException frame into an OpenAI error event and [DONE]', async () => {
    mock.setBehavior({ streamException: { type: 'throttlingException', message: 'Too many tokens' } });
    const { reply, body } = await run(conf(), chat.replace('"max_tokens":64', '"stream":true'), '/v1/chat/completions');
    expect(reply.status).toBe(200);
    const events = body
      .toString()
      .split('\n\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => e.slice(6));
    expect(events.slice(-2)).toEqual(['{"error":{"message":"Too many tokens","type":"throttlingException"}}', '[DONE]']);
  });

  it('refuses an embeddings request with the APISIX protocol error', async () => {
    const { reply, body } = await run(conf(), '{"input":"x"}', '/v1/embeddings');
    expect(reply.status).toBe(400);
    expect(body.toString()).toBe('provider bedrock does not support openai-embeddings protocol (supported: bedrock-converse)');
  });
});

describe('ai-proxy bedrock: admin checks', () => {
  const check = (c: Record<string, unknown>) => aiProxyDefinition.check(c as unknown as AiProxyConf);
  it('requires provider_conf.region, then auth.aws', () => {
    expect(check({ provider: 'bedrock', auth: { aws } })).toBe('bedrock requires provider_conf.region');
    expect(check({ provider: 'bedrock', auth: {}, provider_conf: { region: 'us-east-1' } })).toBe('bedrock requires auth.aws');
    expect(check({ provider: 'bedrock', auth: { aws }, provider_conf: { region: 'us-east-1' } })).toBeUndefined();
  });
});
