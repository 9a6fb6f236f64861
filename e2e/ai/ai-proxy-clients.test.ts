// The official `openai` SDK, unmodified, against an ai-proxy route (chat, streaming chat with
// include_usage, embeddings), and logging.summaries/payloads delivered by http-logger to a
// local collector and by file-logger to a real file, with no secret in any entry.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure, eventually } from '../helpers.js';
import { MATH_MESSAGES, postJson, putAndWait, startCollector, streamSse, waitForLine, type Collector } from './support.js';

const PROVIDER_KEY = 'sk-e2e-provider-secret-3f9a';
const CONSUMER_KEY = 'consumer-secret-key-77c1';
const CLIENT_BEARER = 'client-bearer-secret-51d0';

let etcd: EtcdProcess;
let apps: PorticoApps;
let mock: MockLlm;
let collector: Collector;
let logDir: string;
let dpUrl: string;

const aiProxy = (extra: Record<string, unknown> = {}) => ({
  provider: 'openai',
  auth: { header: { Authorization: `Bearer ${PROVIDER_KEY}` } },
  options: { model: 'gpt-4' },
  override: { endpoint: mock.url },
  ...extra,
});

beforeAll(async () => {
  etcd = await startEtcd();
  mock = await startMockLlm({ apiKey: PROVIDER_KEY });
  collector = await startCollector();
  logDir = mkdtempSync(join(tmpdir(), 'portico-ai-logs-'));
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  dpUrl = apps.dataPlanes[0]!.url;
  // The SDK appends /chat/completions and /embeddings to its baseURL.
  await putAndWait(
    apps,
    '/apisix/admin/routes/sdk',
    { uri: '/v1/*', plugins: { 'ai-proxy': aiProxy() } },
    { uri: '/v1/chat/completions' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/consumers',
    { username: 'johndoe', plugins: { 'key-auth': { key: CONSUMER_KEY } } },
    undefined,
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/logged',
    {
      uri: '/logged',
      plugins: {
        'key-auth': {},
        'ai-proxy': aiProxy({ logging: { summaries: true, payloads: true } }),
        'http-logger': { uri: collector.uri, batch_max_size: 1 },
        'file-logger': { path: join(logDir, 'ai.log') },
      },
    },
    { uri: '/logged', headers: { apikey: CONSUMER_KEY }, notStatus: 401 },
  );
  // The probe above (key-auth passes, then 400 empty body) was logged too: start clean.
  await eventually(async () => expect(collector.entries.length).toBeGreaterThan(0));
  collector.entries.length = 0;
  collector.bodies.length = 0;
});
afterAll(async () => {
  await apps?.stop();
  await mock?.close();
  await collector?.close();
  await etcd?.cleanup();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});
dumpLogsOnFailure(() => apps);

const sdk = () =>
  new OpenAI({ apiKey: 'sdk-key-replaced-by-the-gateway', baseURL: `${dpUrl}/v1`, maxRetries: 0, timeout: 10_000 });

describe('the openai SDK through an ai-proxy route', () => {
  it('creates a chat completion', async () => {
    const c = await sdk().chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'What is 1+1?' }] });
    expect(c.object).toBe('chat.completion');
    expect(c.model).toBe('gpt-4-0613');
    expect(c.choices[0]!.message.content).toBe('1+1 equals 2.');
    expect(c.usage).toMatchObject({ prompt_tokens: 23, completion_tokens: 8, total_tokens: 31 });
    const seen = mock.requests.at(-1)!;
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  });

  it('streams a chat completion with stream_options.include_usage', async () => {
    const stream = await sdk().chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'What is 1+1?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const usages: unknown[] = [];
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(text).toBe('1+1 equals 2.');
    expect(chunks).toBe(6);
    expect(usages).toHaveLength(1);
    expect(usages[0]).toMatchObject({ prompt_tokens: 23, completion_tokens: 8, total_tokens: 31 });
    expect((mock.requests.at(-1)!.json as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
  });

  it('creates embeddings', async () => {
    const e = await sdk().embeddings.create({ model: 'text-embedding-3-small', input: ['hello', 'world'] });
    expect(e.object).toBe('list');
    expect(e.data).toHaveLength(2);
    expect(e.data.map((d) => d.index)).toEqual([0, 1]);
    expect(e.data[0]!.embedding).toHaveLength(8);
    expect(e.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const seen = mock.requests.at(-1)!;
    expect(seen.url).toBe('/v1/embeddings');
    expect((seen.json as { encoding_format: string }).encoding_format).toBe('base64');
  });

  it('surfaces an upstream 429 as the SDK RateLimitError with the provider message', async () => {
    const err = await sdk()
      .chat.completions.create(
        { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-status': '429' } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
  });
});

describe('logging.summaries / logging.payloads through http-logger and file-logger', () => {
  const secrets = [PROVIDER_KEY, CONSUMER_KEY, CLIENT_BEARER];

  it('logs llm_summary, llm_request and llm_response_text for a chat call, without secrets', async () => {
    const res = await postJson(
      `${dpUrl}/logged?from=chat`,
      { messages: MATH_MESSAGES },
      {
        apikey: CONSUMER_KEY,
        authorization: `Bearer ${CLIENT_BEARER}`,
      },
    );
    expect(res.status).toBe(200);
    const entry = await eventually(async () => {
      const e = collector.entries.find((x) => (x.request as { uri: string }).uri === '/logged?from=chat');
      expect(e).toBeDefined();
      return e!;
    });
    const summary = entry.llm_summary as Record<string, unknown>;
    expect(summary).toMatchObject({ request_model: '', model: 'gpt-4', prompt_tokens: 23, completion_tokens: 8 });
    expect(typeof summary.duration).toBe('number');
    expect(typeof summary.upstream_response_time).toBe('number');
    expect(entry.llm_request).toEqual({ messages: MATH_MESSAGES, stream: false });
    expect(entry.llm_response_text).toEqual({ content: '1+1 equals 2.' });
    expect(entry.route_id).toBe('logged');
    expect(entry.consumer).toEqual({ username: 'johndoe' });
    expect((entry.response as { status: number }).status).toBe(200);
    const headers = (entry.request as { headers: Record<string, string> }).headers;
    expect(headers.apikey).toBe('[REDACTED]');
    expect(headers.authorization).toBe('[REDACTED]');
    for (const s of secrets) expect(collector.bodies.join('\n')).not.toContain(s);
  });

  it('logs the streamed answer text and stream: true', async () => {
    const r = await streamSse(`${dpUrl}/logged?from=stream`, { messages: MATH_MESSAGES, stream: true }, { apikey: CONSUMER_KEY });
    expect(r.ending).toBe('end');
    const entry = await eventually(async () => {
      const e = collector.entries.find((x) => (x.request as { uri: string }).uri === '/logged?from=stream');
      expect(e).toBeDefined();
      return e!;
    });
    expect(entry.llm_request).toEqual({ messages: MATH_MESSAGES, stream: true });
    expect(entry.llm_response_text).toEqual({ content: '1+1 equals 2.' });
    expect(entry.llm_summary).toMatchObject({ model: 'gpt-4', prompt_tokens: 23, completion_tokens: 8 });
    for (const s of secrets) expect(collector.bodies.join('\n')).not.toContain(s);
  });

  it('writes the same llm fields to the file-logger file, without secrets', async () => {
    const file = join(logDir, 'ai.log');
    const lines = await eventually(async () => {
      const all = readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const got = all.filter((x) => String((x.request as { uri: string }).uri).startsWith('/logged?from='));
      expect(got).toHaveLength(2);
      return got;
    });
    const chat = lines.find((x) => (x.request as { uri: string }).uri === '/logged?from=chat')!;
    expect(chat.llm_request).toEqual({ messages: MATH_MESSAGES, stream: false });
    expect(chat.llm_response_text).toEqual({ content: '1+1 equals 2.' });
    expect(chat.llm_summary).toMatchObject({ model: 'gpt-4', prompt_tokens: 23, completion_tokens: 8 });
    const text = readFileSync(file, 'utf8');
    for (const s of secrets) expect(text).not.toContain(s);
  });

  it('redacts a key passed in the query string from the logger entry', async () => {
    const res = await postJson(`${dpUrl}/logged?from=query&apikey=${CONSUMER_KEY}`, { messages: MATH_MESSAGES });
    expect(res.status).toBe(200);
    const entry = await eventually(async () => {
      const e = collector.entries.find((x) => String((x.request as { uri: string }).uri).startsWith('/logged?from=query'));
      expect(e).toBeDefined();
      return e!;
    });
    expect((entry.request as { querystring: unknown }).querystring).toEqual({ from: 'query', apikey: '[REDACTED]' });
    for (const s of secrets) expect(collector.bodies.join('\n')).not.toContain(s);
  });

  // PRODUCT BUG (kept failing on purpose): the project rule is that keys are never logged, and
  // the logger plugins redact `$request_line`; the data plane's own access log
  // (apps/data-plane/src/logging/access-log.ts, default format with "$request_line") writes
  // the query verbatim. Expected: `apikey=[REDACTED]` (or the key absent) in the access-log
  // line; actual: `"POST /logged?from=query&apikey=consumer-secret-key-77c1 HTTP/1.1"`.
  // (nginx/APISIX log the raw request line too, so the fix is a deliberate deviation.)
  it('keeps the query-string key out of the data plane access log', async () => {
    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, 'from=query');
    expect(line).toContain('"POST /logged?from=query&apikey=[REDACTED] HTTP/1.1"');
    expect(line).not.toContain(CONSUMER_KEY);
  });
});
