// ai-proxy against a mock OpenAI on loopback, through the built admin + data plane and a real
// etcd: the doc's chat shape, SSE forwarded event by event (timestamps prove no buffering),
// a provider dropping the stream, 429/5xx bodies passed through, timeout → 504, embeddings,
// and the llm variables in the doc's access-log format.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure, eventually } from '../helpers.js';
import {
  DOC_ACCESS_LOG_FORMAT,
  MATH_MESSAGES,
  NGINX_504,
  parseDocAccessLine,
  postJson,
  putAndWait,
  streamSse,
  waitForLine,
} from './support.js';

const PROVIDER_KEY = 'sk-e2e-openai-provider-key';

let etcd: EtcdProcess;
let apps: PorticoApps;
let mock: MockLlm;
let dpUrl: string;

/** An ai-proxy route for the doc's openai example, pointed at the mock (endpoint without a path). */
function aiProxyRoute(uri: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uri,
    methods: ['POST'],
    plugins: {
      'ai-proxy': {
        provider: 'openai',
        auth: { header: { Authorization: `Bearer ${PROVIDER_KEY}` } },
        options: { model: 'gpt-4' },
        override: { endpoint: mock.url },
        ...extra,
      },
    },
  };
}

beforeAll(async () => {
  etcd = await startEtcd();
  mock = await startMockLlm({ apiKey: PROVIDER_KEY });
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    extraConf: { nginx_config: { http: { access_log_format: DOC_ACCESS_LOG_FORMAT } } },
  });
  dpUrl = apps.dataPlanes[0]!.url;
  await putAndWait(apps, '/apisix/admin/routes/chat', aiProxyRoute('/anything'), { uri: '/anything' });
  await putAndWait(apps, '/apisix/admin/routes/slow', aiProxyRoute('/slow', { timeout: 300 }), { uri: '/slow' });
});
afterAll(async () => {
  await apps?.stop();
  await mock?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('ai-proxy chat', () => {
  it('answers the doc example with the provider chat.completion and sends the configured model and key', async () => {
    const before = mock.requests.length;
    const res = await postJson(
      `${dpUrl}/anything`,
      { messages: MATH_MESSAGES },
      {
        authorization: 'Bearer client-token-is-replaced',
        'x-request-id': 'e2e-chat-1',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = res.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4-0613',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: '1+1 equals 2.', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 23, completion_tokens: 8, total_tokens: 31 },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(mock.requests.length).toBe(before + 1);
    const seen = mock.requests.at(-1)!;
    expect(seen.method).toBe('POST');
    // No path in override.endpoint → the openai driver's default path.
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(seen.headers['x-request-id']).toBe('e2e-chat-1');
    expect(seen.json).toEqual({ messages: MATH_MESSAGES, model: 'gpt-4' });
  });

  it('writes the doc access-log line with request_type ai_chat, the model and the token counts', async () => {
    const res = await postJson(`${dpUrl}/anything?log=chat`, { messages: MATH_MESSAGES });
    expect(res.status).toBe(200);
    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, '"POST /anything?log=chat HTTP/1.1"');
    const f = parseDocAccessLine(line);
    expect(f, line).toBeDefined();
    expect(f).toMatchObject({
      remote_addr: '127.0.0.1',
      remote_user: '-',
      http_host: new URL(dpUrl).host,
      status: '200',
      upstream_status: '200',
      request_type: 'ai_chat',
      llm_model: 'gpt-4',
      llm_prompt_tokens: '23',
      llm_completion_tokens: '8',
    });
    // $upstream_host is the host the request went to (APISIX leaves the default-port rule to nginx).
    expect(f!.upstream_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1(:${mock.port})?/v1/chat/completions$`));
    expect(f!.upstream_addr).toBe(`127.0.0.1:${mock.port}`);
    expect(f!.time_local).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/);
    expect(f!.apisix_request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(f!.llm_time_to_first_token)).toBeGreaterThanOrEqual(0);
    expect(Number(f!.body_bytes_sent)).toBe(Buffer.byteLength(res.text));
  });

  it('passes an upstream 429 through with its status, content-type and body bytes', async () => {
    const res = await postJson(`${dpUrl}/anything`, { messages: MATH_MESSAGES }, { 'x-mock-status': '429' });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.text).toBe(
      '{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}',
    );
  });

  it('passes an upstream 503 through with its status, content-type and body bytes', async () => {
    const res = await postJson(`${dpUrl}/anything`, { messages: MATH_MESSAGES }, { 'x-mock-status': '503' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.text).toBe(
      '{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}',
    );
  });

  it("answers 504 with nginx's page when the provider is slower than `timeout`, and cancels the upstream call", async () => {
    const before = mock.requests.length;
    const t0 = Date.now();
    const res = await postJson(`${dpUrl}/slow`, { messages: MATH_MESSAGES }, { 'x-mock-delay-headers-ms': '3000' });
    const took = Date.now() - t0;
    expect(res.status).toBe(504);
    // APISIX's nginx.conf sets `charset utf-8` (config-default.yaml http.charset).
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toBe(NGINX_504);
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(2500);
    const rec = mock.requests[before]!;
    await eventually(async () => expect(rec.aborted).toBe(true), 3000);
  });

  it('sends an embeddings body to /v1/embeddings and returns the provider list unchanged', async () => {
    const res = await postJson(`${dpUrl}/anything`, { input: ['hello', 'world'], model: 'text-embedding-3-small' });
    expect(res.status).toBe(200);
    const body = res.json() as {
      object: string;
      data: Array<{ object: string; index: number; embedding: number[] }>;
      usage: unknown;
      model: string;
    };
    expect(body.object).toBe('list');
    expect(body.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([
      ['embedding', 0, 8],
      ['embedding', 1, 8],
    ]);
    expect(body.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const seen = mock.requests.at(-1)!;
    expect(seen.url).toBe('/v1/embeddings');
    // options.model wins over the client's model (APISIX merges options over the body).
    expect(seen.json).toEqual({ input: ['hello', 'world'], model: 'gpt-4' });
    expect(body.model).toBe('gpt-4-0613');
  });
});

describe('ai-proxy streaming', () => {
  it('delivers each SSE event as the provider sends it (first event long before the last is sent) and records usage', async () => {
    const before = mock.requests.length;
    // role + 3 content + finish + usage chunk = 6 events, 250 ms apart, then [DONE].
    const r = await streamSse(
      `${dpUrl}/anything?log=stream`,
      { messages: MATH_MESSAGES, stream: true },
      {
        'x-mock-interval-ms': '250',
        'x-mock-chunks': '3',
      },
    );
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(r.ending).toBe('end');
    expect(r.events.map((e) => e.data).at(-1)).toBe('[DONE]');
    expect(r.events).toHaveLength(7);
    const chunks = r.events
      .slice(0, -1)
      .map((e) => JSON.parse(e.data) as { choices: Array<{ delta: { content?: string } }>; usage?: unknown });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('1+1 equals 2.');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 23, completion_tokens: 8, total_tokens: 31 });

    const rec = mock.requests[before]!;
    // The gateway asked for the usage chunk (stream_options.include_usage) on the client's behalf.
    expect(rec.json).toEqual({ messages: MATH_MESSAGES, stream: true, stream_options: { include_usage: true }, model: 'gpt-4' });
    expect(rec.finishedAt).toBeDefined();
    // The mock wrote its last byte ≥ 5 × 250 ms after its first event: the client must have seen
    // the first event well before that, and the events must arrive spread out, not in one burst.
    expect(rec.finishedAt! - r.events[0]!.at).toBeGreaterThan(900);
    expect(r.events[5]!.at - r.events[0]!.at).toBeGreaterThan(900);
    for (let i = 1; i < 6; i++) expect(r.events[i]!.at - r.events[i - 1]!.at, `gap before event ${i}`).toBeGreaterThan(100);

    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, '"POST /anything?log=stream HTTP/1.1"');
    const f = parseDocAccessLine(line)!;
    expect(f).toMatchObject({
      status: '200',
      request_type: 'ai_stream',
      llm_model: 'gpt-4',
      llm_prompt_tokens: '23',
      llm_completion_tokens: '8',
    });
    // Time to first token is the first chunk, not the whole ~1.5 s stream.
    expect(Number(f.llm_time_to_first_token)).toBeLessThan(700);
    expect(Number(f.request_time)).toBeGreaterThan(1.2);
  });

  it('aborts the client connection when the provider drops mid-stream, and keeps serving', async () => {
    const r = await streamSse(
      `${dpUrl}/anything`,
      { messages: MATH_MESSAGES, stream: true },
      {
        'x-mock-drop-after': '2',
        'x-mock-interval-ms': '20',
      },
    );
    expect(r.status).toBe(200);
    expect(r.ending).toBe('aborted');
    expect(r.events).toHaveLength(2);
    expect(r.raw).not.toContain('[DONE]');
    expect(apps.dataPlanes[0]!.process.exitInfo()).toBeUndefined();

    const next = await postJson(`${dpUrl}/anything`, { messages: MATH_MESSAGES });
    expect(next.status).toBe(200);
    expect(next.json()).toMatchObject({ model: 'gpt-4-0613', usage: { total_tokens: 31 } });
    const again = await streamSse(`${dpUrl}/anything`, { messages: MATH_MESSAGES, stream: true });
    expect(again.ending).toBe('end');
    expect(again.events.at(-1)!.data).toBe('[DONE]');
  });

  it('cancels the provider request as soon as the client disconnects mid-stream', async () => {
    const before = mock.requests.length;
    const u = new URL(`${dpUrl}/anything`);
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mock-interval-ms': '300' },
        },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end(JSON.stringify({ messages: MATH_MESSAGES, stream: true }));
    });
    const rec = await eventually(async () => {
      const r = mock.requests[before];
      expect(r).toBeDefined();
      return r!;
    });
    // 6 events 300 ms apart would take ~1.8 s: the upstream socket must close long before.
    await eventually(async () => expect(rec.aborted).toBe(true), 1000, 20);
    expect(rec.finishedAt).toBeUndefined();
    expect(Date.now() - rec.receivedAt).toBeLessThan(1500);
  });

  it('treats options.stream: true as a stream (ai_stream, include_usage requested, usage logged)', async () => {
    await putAndWait(
      apps,
      '/apisix/admin/routes/forced-stream',
      aiProxyRoute('/forced-stream', { options: { model: 'gpt-4', stream: true } }),
      {
        uri: '/forced-stream',
      },
    );
    const before = mock.requests.length;
    const r = await streamSse(`${dpUrl}/forced-stream`, { messages: MATH_MESSAGES });
    expect(r.status).toBe(200);
    expect(r.events.at(-1)!.data).toBe('[DONE]');
    expect(mock.requests[before]!.json).toEqual({
      messages: MATH_MESSAGES,
      model: 'gpt-4',
      stream: true,
      stream_options: { include_usage: true },
    });
    const f = parseDocAccessLine(await waitForLine(apps.dataPlanes[0]!.accessLog, '"POST /forced-stream HTTP/1.1" 200 '))!;
    expect(f).toMatchObject({ request_type: 'ai_stream', llm_prompt_tokens: '23', llm_completion_tokens: '8' });
  });
});
