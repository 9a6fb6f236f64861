// APISIX 3.17–3.18 response side of ai-proxy / ai-proxy-multi through the built admin + data
// plane and real sockets: max_stream_duration_ms and max_response_bytes against a runaway
// upstream (t/plugin/ai-proxy-stream-limits.t), upstream timeouts → 504 on every path, the
// upstream read stopping when the client goes away (ai-proxy-client-disconnect.t),
// streaming_flush_interval_ms coalescing, and the 3.18 llm_* variables / llm_summary fields in
// the access log and a logger's log_format.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEtcd,
  startPortico,
  startRunawayLlm,
  startSilentServer,
  type EtcdProcess,
  type PorticoApps,
  type RunawayLlm,
  type SilentServer,
} from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';
import {
  errorLogLines,
  MATH_MESSAGES,
  NGINX_504,
  postJson,
  putAndWait,
  startCollector,
  streamSse,
  waitForLine,
  type Collector,
} from '../ai/support.js';

const ACCESS_LOG_FORMAT =
  '$request_uri $status tt=$llm_total_tokens rt=$llm_reasoning_tokens cr=$llm_cache_read_input_tokens ' +
  'cc=$llm_cache_creation_input_tokens st=$llm_stream tc=$llm_has_tool_calls n=$llm_tool_count ' +
  'eu="$llm_end_user_id" pt=$llm_prompt_tokens ct=$llm_completion_tokens ' +
  'ttft=$llm_time_to_first_token aurt=$apisix_upstream_response_time';

const AUTH = { header: { Authorization: 'Bearer sk-limits' } };
/** One runaway SSE chunk as the mock writes it. */
const CHUNK_LEN = Buffer.byteLength(
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4",' +
    '"choices":[{"index":0,"delta":{"content":"token"},"finish_reason":null}],"usage":null}\n\n',
);

let etcd: EtcdProcess;
let apps: PorticoApps;
let runaway: RunawayLlm;
let silent: SilentServer;
let collector: Collector;
let dpUrl: string;

function aiProxy(endpoint: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { provider: 'openai', auth: AUTH, options: { model: 'gpt-4' }, override: { endpoint }, ...extra };
}

async function route(id: string, uri: string, plugins: Record<string, unknown>): Promise<void> {
  await putAndWait(apps, `/apisix/admin/routes/${id}`, { uri, methods: ['POST'], plugins }, { uri });
}

const chat = { messages: MATH_MESSAGES };
const streamChat = { messages: MATH_MESSAGES, stream: true };

function warnings(): string[] {
  return errorLogLines(apps.dataPlanes[0]!.process.logFile).map((l) => String(l.msg));
}

beforeAll(async () => {
  etcd = await startEtcd();
  runaway = await startRunawayLlm();
  silent = await startSilentServer();
  collector = await startCollector();
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    extraConf: { nginx_config: { http: { access_log_format: ACCESS_LOG_FORMAT } } },
  });
  dpUrl = apps.dataPlanes[0]!.url;
  const r = runaway.url;
  await Promise.all([
    route('duration', '/duration', { 'ai-proxy': aiProxy(`${r}/runaway?interval=10`, { max_stream_duration_ms: 500 }) }),
    route('bytes', '/bytes', { 'ai-proxy': aiProxy(`${r}/runaway?interval=10`, { max_response_bytes: 2048 }) }),
    route('oversized', '/oversized', { 'ai-proxy': aiProxy(`${r}/oversized?bytes=100000`, { max_response_bytes: 1024 }) }),
    route('chunked', '/oversized-chunked', {
      'ai-proxy-multi': {
        instances: [{ name: 'only', weight: 1, ...aiProxy(`${r}/oversized-chunked?parts=10&size=10000`) }],
        max_response_bytes: 1024,
      },
    }),
    route('stall-head', '/stall-head', { 'ai-proxy': aiProxy(`${r}/stall-head`, { timeout: 400 }) }),
    route('stall-body', '/stall-body', { 'ai-proxy': aiProxy(`${r}/stall-body`, { timeout: 400 }) }),
    route('stall-stream', '/stall-stream', { 'ai-proxy': aiProxy(`${r}/stall-stream`, { timeout: 400 }) }),
    route('no-connect', '/no-connect', {
      'ai-proxy': aiProxy(`https://127.0.0.1:${silent.port}/v1/chat/completions`, { timeout: 400 }),
    }),
    route('disconnect', '/disconnect', { 'ai-proxy': aiProxy(`${r}/runaway?interval=30`) }),
    route('disconnect-head', '/disconnect-head', { 'ai-proxy': aiProxy(`${r}/stall-head`) }),
    route('burst-100', '/burst-100', {
      'ai-proxy': aiProxy(`${r}/burst?events=20&interval=10`, { streaming_flush_interval_ms: 100 }),
    }),
    route('burst-0', '/burst-0', { 'ai-proxy': aiProxy(`${r}/burst?events=20&interval=25`, { streaming_flush_interval_ms: 0 }) }),
    route('error-503', '/error-503', { 'ai-proxy': aiProxy(`${r}/error?status=503&delay=150`) }),
    route('usage', '/usage', {
      'ai-proxy': aiProxy(`${r}/usage`, { logging: { summaries: true } }),
      'http-logger': {
        uri: collector.uri,
        batch_max_size: 1,
        log_format: {
          uri: '$request_uri',
          total: '$llm_total_tokens',
          reasoning: '$llm_reasoning_tokens',
          stream: '$llm_stream',
        },
      },
    }),
    route('usage-stream', '/usage-stream', {
      'ai-proxy-multi': { instances: [{ name: 'u', weight: 1, ...aiProxy(`${r}/usage-stream`) }], logging: { summaries: true } },
      'http-logger': {
        uri: collector.uri,
        batch_max_size: 1,
        log_format: { uri: '$request_uri', cached: '$llm_cache_read_input_tokens' },
      },
    }),
  ]);
});
afterAll(async () => {
  await apps?.stop();
  await runaway?.close();
  await silent?.close();
  await collector?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('schema (both plugins, APISIX bounds)', () => {
  it.each([
    [
      'ai-proxy',
      { max_stream_duration_ms: 0 },
      'property "max_stream_duration_ms" validation failed: expected 0 to be at least 1',
    ],
    ['ai-proxy', { max_response_bytes: 0 }, 'property "max_response_bytes" validation failed: expected 0 to be at least 1'],
    [
      'ai-proxy',
      { streaming_flush_interval_ms: -1 },
      'property "streaming_flush_interval_ms" validation failed: expected -1 to be at least 0',
    ],
    [
      'ai-proxy',
      { max_response_bytes: 1.5 },
      'property "max_response_bytes" validation failed: wrong type: expected integer, got number',
    ],
    [
      'ai-proxy-multi',
      { max_stream_duration_ms: 0 },
      'property "max_stream_duration_ms" validation failed: expected 0 to be at least 1',
    ],
  ])('%s rejects %j', async (plugin, extra, err) => {
    const conf =
      plugin === 'ai-proxy'
        ? aiProxy('http://127.0.0.1:1', extra)
        : { instances: [{ name: 'a', weight: 1, ...aiProxy('http://127.0.0.1:1') }], ...extra };
    const res = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', { uri: '/bad', plugins: { [plugin]: conf } });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error_msg: `failed to check the configuration of plugin ${plugin} err: ${err}` });
  });
});

describe('max_stream_duration_ms and max_response_bytes', () => {
  it('ends a never-ending stream shortly after max_stream_duration_ms: the client gets 200, the chunks so far and a clean end without [DONE]; the upstream is closed', async () => {
    const n = runaway.requests.length;
    const t0 = Date.now();
    const res = await streamSse(`${dpUrl}/duration`, streamChat);
    const elapsed = Date.now() - t0;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.ending).toBe('end');
    expect(res.events.length).toBeGreaterThan(0);
    expect(res.events.map((e) => e.data)).not.toContain('[DONE]');
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(3000);
    const rec = await runaway.closed(n);
    expect(rec.aborted).toBe(true);
    expect(rec.closedAt! - rec.receivedAt).toBeLessThan(2500);
    await eventually(async () =>
      expect(warnings().some((m) => m.startsWith('aborting AI stream: max_stream_duration_ms exceeded; bytes='))).toBe(true),
    );
  });

  it('ends a never-ending stream after the chunk that crossed max_response_bytes and closes the upstream', async () => {
    const n = runaway.requests.length;
    const res = await streamSse(`${dpUrl}/bytes`, streamChat);
    expect(res.status).toBe(200);
    expect(res.ending).toBe('end');
    const bytes = Buffer.byteLength(res.raw);
    // Everything up to and including the crossing chunk, which may hold several mock writes
    // when the gateway read late (the runaway upstream itself never stops).
    expect(bytes).toBeGreaterThan(2048);
    expect(bytes).toBeLessThanOrEqual(2048 + 20 * CHUNK_LEN);
    expect(bytes % CHUNK_LEN).toBe(0);
    expect(res.raw).not.toContain('[DONE]');
    const rec = await runaway.closed(n);
    expect(rec.aborted).toBe(true);
    await eventually(async () =>
      expect(warnings().some((m) => m.startsWith('aborting AI stream: max_response_bytes exceeded; bytes='))).toBe(true),
    );
  });

  it('answers 502 "max_response_bytes exceeded" when a non-stream Content-Length is over the cap, without reading the body', async () => {
    const res = await postJson(`${dpUrl}/oversized`, chat);
    expect(res.status).toBe(502);
    expect(res.text).toBe('max_response_bytes exceeded');
    expect(res.headers.get('content-type')).toBe('application/json');
    await eventually(async () =>
      expect(warnings()).toContain('aborting AI response: Content-Length 100000 exceeds max_response_bytes 1024'),
    );
  });

  it('ai-proxy-multi: answers 502 when a chunked non-stream body passes the cap, and stops reading the upstream', async () => {
    const n = runaway.requests.length;
    const res = await postJson(`${dpUrl}/oversized-chunked`, chat);
    expect(res.status).toBe(502);
    expect(res.text).toBe('max_response_bytes exceeded');
    const rec = await runaway.closed(n);
    expect(rec.aborted).toBe(true);
    expect(rec.written).toBeLessThan(10);
    await eventually(async () =>
      expect(
        warnings().some((m) => /^aborting AI response: body size exceeds max_response_bytes 1024 \(read \d+ bytes\)$/.test(m)),
      ).toBe(true),
    );
  });
});

describe('upstream timeouts answer 504 on every path', () => {
  it.each([
    ['connect (TLS handshake never completes)', '/no-connect'],
    ['response head never comes', '/stall-head'],
    ['non-stream body stalls after its first bytes', '/stall-body'],
  ])('%s → 504 with the nginx page', async (_name, uri) => {
    const t0 = Date.now();
    const res = await postJson(`${dpUrl}${uri}`, chat);
    expect(res.status).toBe(504);
    expect(res.text).toBe(NGINX_504);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a stream that stalls after its head: the client keeps the events so far, then the connection is aborted', async () => {
    const res = await streamSse(`${dpUrl}/stall-stream`, streamChat);
    expect(res.status).toBe(200);
    expect(res.events).toHaveLength(2);
    expect(res.ending).toBe('aborted');
  });
});

describe('client disconnect stops the upstream read', () => {
  it('stream: the upstream connection closes within 1 s after the client aborts', async () => {
    const n = runaway.requests.length;
    const abortedAt = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${dpUrl}/disconnect`);
      const req = request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let seen = 0;
          res.on('data', (c: Buffer) => {
            seen += c.toString().split('\n\n').length - 1;
            if (seen >= 3) {
              req.destroy();
              resolve(Date.now());
            }
          });
        },
      );
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no events')), 10_000);
      req.end(JSON.stringify(streamChat));
    });
    const rec = await runaway.closed(n);
    expect(rec.aborted).toBe(true);
    expect(rec.closedAt! - abortedAt).toBeLessThan(1000);
  });

  it('non-stream: the upstream connection closes within 1 s after the client aborts while waiting for the head', async () => {
    const n = runaway.requests.length;
    const ac = new AbortController();
    const pending = fetch(`${dpUrl}/disconnect-head`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat),
      signal: ac.signal,
    }).catch(() => undefined);
    await eventually(async () => expect(runaway.requests[n]).toBeDefined());
    ac.abort();
    const abortedAt = Date.now();
    await pending;
    const rec = await runaway.closed(n);
    expect(rec.aborted).toBe(true);
    expect(rec.closedAt! - abortedAt).toBeLessThan(1000);
  });
});

/** Arrival groups: events that reached the client within 3 ms of each other count as one write. */
function groups(at: number[]): number {
  let g = 0;
  for (let i = 0; i < at.length; i++) if (i === 0 || at[i]! - at[i - 1]! > 3) g++;
  return g;
}

describe('streaming_flush_interval_ms', () => {
  it('100: the first event is not held, later events arrive in ~100 ms batches, [DONE] included', async () => {
    const t0 = Date.now();
    const res = await streamSse(`${dpUrl}/burst-100`, streamChat);
    expect(res.status).toBe(200);
    const data = res.events.map((e) => e.data);
    expect(data).toHaveLength(21);
    expect(data.at(-1)).toBe('[DONE]');
    // 20 events 10 ms apart: the first goes out at once, the rest in a handful of flushes.
    expect(res.events[0]!.at - t0).toBeLessThan(1000);
    expect(res.events[1]!.at - res.events[0]!.at).toBeGreaterThanOrEqual(50);
    expect(groups(res.events.map((e) => e.at))).toBeLessThanOrEqual(8);
  });

  it('0: every event is written as it arrives', async () => {
    const res = await streamSse(`${dpUrl}/burst-0`, streamChat);
    expect(res.events).toHaveLength(21);
    // 20 events 25 ms apart arrive as (nearly) 20 separate writes.
    expect(groups(res.events.map((e) => e.at))).toBeGreaterThanOrEqual(10);
  });
});

describe('llm_* variables and llm_summary (3.18)', () => {
  it('non-stream: token details, tool calls, tool count and end user reach the access log, the logger log_format and llm_summary', async () => {
    const tools = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
    ];
    const res = await postJson(`${dpUrl}/usage?v=1`, { ...chat, tools, user: 'end-user-7' });
    expect(res.status).toBe(200);
    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, '/usage?v=1 200 ');
    expect(line).toMatch(
      /^\/usage\?v=1 200 tt=160 rt=32 cr=100 cc=7 st=false tc=true n=2 eu="end-user-7" pt=120 ct=40 ttft=\d+ aurt=\d+$/,
    );
    const entry = await eventually(async () => {
      const e = collector.entries.find((x) => x.uri === '/usage?v=1');
      expect(e).toBeDefined();
      return e!;
    });
    expect(entry).toMatchObject({ total: '160', reasoning: '32', stream: 'false' });
    const summary = entry.llm_summary as Record<string, unknown>;
    expect(summary).toMatchObject({
      model: 'gpt-4',
      prompt_tokens: 120,
      completion_tokens: 40,
      total_tokens: 160,
      stream: 'false',
      tool_count: 2,
      has_tool_calls: 'true',
      end_user_id: 'end-user-7',
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 7,
      reasoning_tokens: 32,
      content_risk_level: '',
    });
    expect(typeof summary.duration).toBe('number');
  });

  it('stream (ai-proxy-multi): tool-call deltas and the final usage event set the same variables, llm_stream true', async () => {
    const res = await streamSse(`${dpUrl}/usage-stream?v=2`, { ...streamChat, safety_identifier: 'sid-9', user: 'ignored' });
    expect(res.status).toBe(200);
    expect(res.events.at(-1)!.data).toBe('[DONE]');
    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, '/usage-stream?v=2 200 ');
    expect(line).toMatch(
      /^\/usage-stream\?v=2 200 tt=160 rt=32 cr=100 cc=7 st=true tc=true n=0 eu="sid-9" pt=120 ct=40 ttft=\d+ aurt=\d+$/,
    );
    const entry = await eventually(async () => {
      const e = collector.entries.find((x) => x.uri === '/usage-stream?v=2');
      expect(e).toBeDefined();
      return e!;
    });
    expect(entry.cached).toBe('100');
    expect(entry.llm_summary).toMatchObject({
      stream: 'true',
      has_tool_calls: 'true',
      tool_count: 0,
      end_user_id: 'sid-9',
      total_tokens: 160,
    });
  });

  it('a request that never reached an LLM logs the nginx defaults', async () => {
    // An empty body fails validation in access, before any LLM is called.
    const res = await fetch(`${dpUrl}/usage?v=3`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    await res.arrayBuffer();
    expect(res.status).toBe(400);
    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, '/usage?v=3 400 ');
    expect(line).toMatch(/^\/usage\?v=3 400 tt=0 rt=0 cr=0 cc=0 st=false tc=false n=0 eu="" pt=0 ct=0 ttft=0 aurt=\S*$/);
  });

  it('an upstream 503 records the time until it arrived in ms as both ttft and apisix_upstream_response_time', async () => {
    const res = await postJson(`${dpUrl}/error-503?v=4`, chat);
    expect(res.status).toBe(503);
    expect(res.text).toBe('{"error":{"message":"mock failure","type":"server_error"}}');
    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, '/error-503?v=4 503 ');
    const m = / ttft=(\d+) aurt=(\d+)$/.exec(line);
    expect(m, line).not.toBeNull();
    // Milliseconds (an integer ≥ the mock's 150 ms delay), not nginx's seconds.
    expect(Number(m![1])).toBeGreaterThanOrEqual(150);
    expect(Number(m![1])).toBeLessThan(5000);
    expect(Number(m![2])).toBeGreaterThanOrEqual(Number(m![1]));
  });

  it('a transport error records apisix_upstream_response_time in ms and leaves ttft 0', async () => {
    const res = await postJson(`${dpUrl}/stall-head?v=5`, chat);
    expect(res.status).toBe(504);
    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, '/stall-head?v=5 504 ');
    const m = / ttft=(\d+) aurt=(\d+)$/.exec(line);
    expect(m, line).not.toBeNull();
    expect(m![1]).toBe('0');
    expect(Number(m![2])).toBeGreaterThanOrEqual(390);
    expect(Number(m![2])).toBeLessThan(5000);
  });
});
