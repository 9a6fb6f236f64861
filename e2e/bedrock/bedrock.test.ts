// The bedrock provider through the built admin + data plane and a real etcd, against a TLS mock
// of bedrock-runtime that recomputes every SigV4 signature. The data plane trusts the mock's
// CA through NODE_EXTRA_CA_CERTS, so routes keep ssl_verify: true.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestCa,
  startEtcd,
  startMockBedrock,
  startPortico,
  type EtcdProcess,
  type MockBedrock,
  type PorticoApps,
  type TestCa,
} from '@portico/testkit';
import { EventStreamDecoder } from '@portico/providers';
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';
import {
  DOC_ACCESS_LOG_FORMAT,
  parseDocAccessLine,
  postJson,
  putAndWait,
  startCollector,
  waitForLine,
  type Collector,
} from '../ai/support.js';

const MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const ENCODED = '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0';
const AWS = { access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
const CONVERSE = { messages: [{ role: 'user', content: [{ text: 'What is 1+1?' }] }] };

let etcd: EtcdProcess;
let apps: PorticoApps;
let ca: TestCa;
let mock: MockBedrock;
/** A second runtime that always throttles (429 ThrottlingException). */
let throttled: MockBedrock;
let collector: Collector;
let dp: string;

function bedrockConf(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'bedrock',
    auth: { aws: { ...AWS, session_token: TOKEN } },
    provider_conf: { region: 'us-east-1' },
    options: { model: MODEL },
    override: { endpoint: mock.url },
    ...extra,
  };
}

beforeAll(async () => {
  ca = createTestCa('bedrock e2e CA');
  mock = await startMockBedrock({
    tls: ca.issue({ cn: '127.0.0.1', dns: ['127.0.0.1'] }),
    credentials: { accessKeyId: AWS.access_key_id, secretAccessKey: AWS.secret_access_key, sessionToken: TOKEN },
    region: 'us-east-1',
  });
  throttled = await startMockBedrock({
    tls: ca.issue({ cn: '127.0.0.1', dns: ['127.0.0.1'] }),
    credentials: { accessKeyId: AWS.access_key_id, secretAccessKey: AWS.secret_access_key, sessionToken: TOKEN },
    region: 'us-east-1',
    behavior: { status: 429 },
  });
  collector = await startCollector();
  etcd = await startEtcd();
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    env: { NODE_EXTRA_CA_CERTS: ca.certFile },
    extraConf: { nginx_config: { http: { access_log_format: DOC_ACCESS_LOG_FORMAT } } },
  });
  dp = apps.dataPlanes[0]!.url;
  await putAndWait(
    apps,
    '/apisix/admin/routes/converse',
    {
      uri: '/ai/converse',
      plugins: {
        'ai-proxy': bedrockConf({ logging: { summaries: true, payloads: true } }),
        'http-logger': { uri: collector.uri, batch_max_size: 1 },
      },
    },
    { uri: '/ai/converse' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/chat',
    {
      uri: '/v1/chat/completions',
      plugins: { 'ai-proxy-multi': { instances: [{ name: 'br', weight: 1, ...bedrockConf() }] } },
    },
    { uri: '/v1/chat/completions' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/fallback',
    {
      uri: '/fallback/converse',
      plugins: {
        'ai-proxy-multi': {
          fallback_strategy: ['http_429'],
          // Portico extension: must leave a native ConverseStream (not SSE) alone.
          stream_failover: {},
          instances: [
            { name: 'throttled', weight: 1, priority: 1, ...bedrockConf({ override: { endpoint: throttled.url } }) },
            { name: 'healthy', weight: 1, priority: 0, ...bedrockConf() },
          ],
        },
      },
    },
    { uri: '/fallback/converse' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/badkey',
    {
      uri: '/bad/converse',
      plugins: {
        'ai-proxy': bedrockConf({ auth: { aws: { ...AWS, secret_access_key: 'not-the-secret', session_token: TOKEN } } }),
      },
    },
    { uri: '/bad/converse' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/nomodel',
    { uri: '/nomodel/converse', plugins: { 'ai-proxy': bedrockConf({ options: {} }) } },
    { uri: '/nomodel/converse' },
  );
  mock.requests.length = 0;
  collector.entries.length = 0;
});
afterAll(async () => {
  await apps?.stop();
  await mock?.close();
  await throttled?.close();
  await collector?.close();
  await etcd?.cleanup();
  ca?.cleanup();
});
beforeEach(() => mock.setBehavior(undefined));
dumpLogsOnFailure(() => apps);

describe('bedrock Converse clients (APISIX 3.17+ behaviour)', () => {
  it('forwards a Converse call to /model/<id>/converse, signed (verified by the mock), with usage in log vars and fields', async () => {
    const res = await postJson(`${dp}/ai/converse?log=converse`, CONVERSE);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.json()).toEqual({
      output: { message: { role: 'assistant', content: [{ text: 'Hello!' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 13, outputTokens: 5, totalTokens: 18 },
      metrics: { latencyMs: 42 },
    });
    const rec = mock.requests.at(-1)!;
    expect(rec.url).toBe(`${ENCODED}/converse`);
    expect(rec.signature).toEqual({ ok: true });
    expect(rec.headers['x-amz-security-token']).toBe(TOKEN);
    expect(rec.body).toBe(JSON.stringify(CONVERSE));

    const f = parseDocAccessLine(await waitForLine(apps.dataPlanes[0]!.accessLog, '"POST /ai/converse?log=converse HTTP/1.1"'))!;
    expect(f).toMatchObject({
      status: '200',
      request_type: 'ai_chat',
      llm_model: MODEL,
      llm_prompt_tokens: '13',
      llm_completion_tokens: '5',
      upstream_status: '200',
    });
    expect(f.upstream_url).toBe(`https://127.0.0.1${ENCODED}/converse`);
    expect(f.upstream_addr).toBe(`127.0.0.1:${mock.port}`);
    const entry = await eventually(async () => {
      const e = collector.entries.find((x) => (x.request as { uri: string }).uri === '/ai/converse?log=converse');
      if (!e) throw new Error('no log entry yet');
      return e;
    });
    expect(entry.llm_summary).toMatchObject({ model: MODEL, prompt_tokens: 13, completion_tokens: 5 });
    expect(entry.llm_response_text).toEqual({ content: 'Hello!' });
    expect(collector.bodies.join('\n')).not.toContain(AWS.secret_access_key);
  });

  it('streams stream:true via /converse-stream as application/vnd.amazon.eventstream frames, split across TCP writes', async () => {
    mock.setBehavior({ splitBytes: 9 });
    const res = await fetch(`${dp}/ai/converse?log=stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, ...CONVERSE }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const frames = new EventStreamDecoder().push(Buffer.from(await res.arrayBuffer()));
    expect(frames.map((x) => x.headers[':event-type'])).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    const rec = mock.requests.at(-1)!;
    expect(rec.url).toBe(`${ENCODED}/converse-stream`);
    expect(rec.json).toEqual(CONVERSE);
    expect(rec.signature).toEqual({ ok: true });
    const f = parseDocAccessLine(await waitForLine(apps.dataPlanes[0]!.accessLog, '"POST /ai/converse?log=stream HTTP/1.1"'))!;
    expect(f).toMatchObject({ request_type: 'ai_stream', llm_prompt_tokens: '13', llm_completion_tokens: '5' });
    expect(Number(f.llm_time_to_first_token)).toBeGreaterThanOrEqual(0);
  });

  it('answers 400 could not resolve upstream path when neither route nor body names a model', async () => {
    const res = await postJson(`${dp}/nomodel/converse`, CONVERSE);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      error_msg:
        'could not resolve upstream path: ensure the route or request body specifies a model, or that override.endpoint includes a path',
    });
  });

  it('takes the model from the body when the route has none', async () => {
    const res = await postJson(`${dp}/nomodel/converse`, { model: MODEL, ...CONVERSE });
    expect(res.status).toBe(200);
    expect(mock.requests.at(-1)!.url).toBe(`${ENCODED}/converse`);
    expect(mock.requests.at(-1)!.json).toEqual(CONVERSE);
  });
});

describe('bedrock upstream errors', () => {
  it("passes the mock's 403 signature error through when the secret is wrong", async () => {
    const res = await postJson(`${dp}/bad/converse`, CONVERSE);
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    });
    expect(mock.requests.at(-1)!.signature).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
  });

  it('passes a 429 ThrottlingException body and content-type through', async () => {
    mock.setBehavior({ status: 429 });
    const res = await postJson(`${dp}/ai/converse`, CONVERSE);
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.json()).toEqual({ message: 'Too many requests, please wait before trying again.' });
  });
});

describe('bedrock in ai-proxy-multi', () => {
  it('falls back from a throttling bedrock instance to the next one (both signed)', async () => {
    const before = throttled.requests.length;
    const res = await postJson(`${dp}/fallback/converse`, CONVERSE);
    expect(res.status).toBe(200);
    expect((res.json() as { output: unknown }).output).toEqual({ message: { role: 'assistant', content: [{ text: 'Hello!' }] } });
    expect(throttled.requests.length).toBe(before + 1);
    expect(throttled.requests.at(-1)!.signature).toEqual({ ok: true });
    expect(mock.requests.at(-1)!.signature).toEqual({ ok: true });
  });

  it('streams a native ConverseStream through the fallback route with stream_failover on', async () => {
    const res = await fetch(`${dp}/fallback/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, ...CONVERSE }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const frames = new EventStreamDecoder().push(Buffer.from(await res.arrayBuffer()));
    expect(frames.at(-1)!.headers[':event-type']).toBe('metadata');
  });
});

describe('bedrock OpenAI chat clients (Portico extension)', () => {
  it('converts a chat completion request and its answer', async () => {
    const res = await postJson(`${dp}/v1/chat/completions`, {
      messages: [
        { role: 'system', content: 'You are a mathematician' },
        { role: 'user', content: 'What is 1+1?' },
      ],
      temperature: 0.2,
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 },
    });
    const rec = mock.requests.at(-1)!;
    expect(rec.signature).toEqual({ ok: true });
    expect(rec.json).toEqual({
      system: [{ text: 'You are a mathematician' }],
      messages: [{ role: 'user', content: [{ text: 'What is 1+1?' }] }],
      inferenceConfig: { temperature: 0.2 },
    });
  });

  it('converts ConverseStream into OpenAI SSE with usage and [DONE]', async () => {
    mock.setBehavior({ splitBytes: 3 });
    const res = await fetch(`${dp}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const data = (await res.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => e.slice(6));
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string } }[]; usage?: unknown });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello!');
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 });
    expect(mock.requests.at(-1)!.url).toBe(`${ENCODED}/converse-stream`);
  });
});

describe('bedrock Admin API checks', () => {
  const base = { uri: '/x/converse', plugins: {} as Record<string, unknown> };

  it('rejects ai-proxy without provider_conf.region with the APISIX body', async () => {
    const { provider_conf: _, ...noRegion } = bedrockConf();
    const res = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad1', { ...base, plugins: { 'ai-proxy': noRegion } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({
      error_msg: 'failed to check the configuration of plugin ai-proxy err: bedrock requires provider_conf.region',
    });
  });

  it('rejects an ai-proxy-multi instance without auth.aws with the APISIX body', async () => {
    const inst = { name: 'b1', weight: 1, ...bedrockConf({ auth: { header: { a: 'b' } } }) };
    const res = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad2', {
      ...base,
      plugins: { 'ai-proxy-multi': { instances: [inst] } },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({
      error_msg: "failed to check the configuration of plugin ai-proxy-multi err: instance 'b1': bedrock requires auth.aws",
    });
  });
});
