// ai-proxy-multi resilience (issue 15) through the built apps: 3 data planes (2 workers each)
// sharing one etcd, a fault-injecting provider plus one healthy instance. Under load no client
// sees a failure while an instance is healthy, and the p99 time to first token stays within
// the first-token timeout plus the healthy instance's own TTFT. Also: cooldowns shared by a
// pod's workers, model routing, keep-alive comments and the mid-stream SSE error event, and the
// 3.17+ fields in the Admin API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chatLoad,
  chatRequest,
  startEtcd,
  startMockFaults,
  type EtcdProcess,
  type MockFaults,
  type PorticoApps,
  startPortico,
} from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';

const FIRST_TOKEN_TIMEOUT_MS = 400;
const HEALTHY_TTFT_MS = 40;
const ANSWER = 'The answer is 2.';

let etcd: EtcdProcess;
let apps: PorticoApps;
let faulty: MockFaults;
let healthy: MockFaults;

beforeAll(async () => {
  etcd = await startEtcd();
  faulty = await startMockFaults({ content: ANSWER });
  healthy = await startMockFaults({ content: ANSWER, fallback: { kind: 'ok', delayMs: HEALTHY_TTFT_MS } });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, dataPlanes: 3, workers: 2 });
}, 60_000);
afterAll(async () => {
  await apps?.stop();
  await Promise.all([faulty?.close(), healthy?.close()]);
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

const instance = (name: string, m: MockFaults, extra: Record<string, unknown> = {}) => ({
  name,
  provider: 'openai-compatible',
  weight: 1,
  auth: { header: { Authorization: `Bearer key-${name}` } },
  override: { endpoint: `${m.url}/v1/chat/completions` },
  ...extra,
});

/** PUT route `id` at `/<id>` and wait until every data plane serves it. */
async function route(id: string, plugin: Record<string, unknown>): Promise<string[]> {
  const res = await adminRequest(apps, 'PUT', `/apisix/admin/routes/${id}`, {
    uri: `/${id}`,
    methods: ['POST'],
    plugins: { 'ai-proxy-multi': plugin },
  });
  expect([200, 201], res.text).toContain(res.status);
  for (const dp of apps.dataPlanes) {
    await eventually(async () => {
      const r = await fetch(`${dp.url}/${id}`, { method: 'POST' });
      await r.arrayBuffer();
      expect(r.status).toBe(400); // served by the route: the empty body fails validation
    });
  }
  return apps.dataPlanes.map((d) => `${d.url}/${id}`);
}

const chat = (stream: boolean, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'What is 1+1?' }],
  ...(stream ? { stream: true } : {}),
  ...extra,
});

describe('Admin API', () => {
  it('shows the 3.17+ fields and the extensions in the plugin schema', async () => {
    const r = await adminRequest(apps, 'GET', '/apisix/admin/plugins/ai-proxy-multi');
    expect(r.status).toBe(200);
    const s = r.json() as { properties: Record<string, Record<string, unknown>> };
    expect(s.properties.retry_on_failure_within_ms).toEqual({ type: 'integer', minimum: 1 });
    expect(s.properties.max_retries).toEqual({ type: 'integer', minimum: 0 });
    for (const k of ['model_routing', 'stream_failover', 'cooldown']) expect(s.properties[k]).toBeDefined();
    const inst = (s.properties.instances as { items: { properties: Record<string, unknown> } }).items.properties;
    expect(inst.models).toBeDefined();
    expect(inst.first_token_timeout_ms).toBeDefined();
    const algo = (s.properties.balancer as { properties: Record<string, { enum: string[] }> }).properties.algorithm!.enum;
    expect(algo).toEqual(expect.arrayContaining(['least_latency', 'least_busy']));
  });

  it("rejects duplicate instance names with APISIX's message (1-based indexes)", async () => {
    const r = await adminRequest(apps, 'PUT', '/apisix/admin/routes/dup', {
      uri: '/dup',
      plugins: { 'ai-proxy-multi': { instances: [instance('a', healthy), instance('b', healthy), instance('a', faulty)] } },
    });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      error_msg:
        "failed to check the configuration of plugin ai-proxy-multi err: duplicate instance name 'a' at instances[1] and instances[3]",
    });
  });

  it('rejects an invalid extension value with the schema message', async () => {
    const r = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', {
      uri: '/bad',
      plugins: { 'ai-proxy-multi': { instances: [instance('a', healthy)], cooldown: { max_fails: 0 } } },
    });
    expect(r.status).toBe(400);
    expect((r.json() as { error_msg: string }).error_msg).toBe(
      'failed to check the configuration of plugin ai-proxy-multi err: property "cooldown" validation failed: property "max_fails" validation failed: expected 0 to be at least 1',
    );
  });
});

describe('3.17+ retry fields through the data plane', () => {
  it('falls back after a fast failure, returns a slow one as it is, and keeps the body intact', async () => {
    const [url] = await route('retry', {
      instances: [
        instance('faulty', faulty, { priority: 1, options: { model: 'model-a', temperature: 0.1 } }),
        instance('healthy', healthy),
      ],
      fallback_strategy: ['http_5xx'],
      retry_on_failure_within_ms: 300,
    });
    faulty.configure({ fallback: { kind: 'status', status: 500 } });
    const h0 = healthy.requests.length;
    const fast = await chatRequest(url!, chat(false));
    expect(fast.status).toBe(200);
    expect(healthy.requests.length - h0).toBe(1);
    expect(JSON.parse(faulty.requests.at(-1)!.body)).toMatchObject({ model: 'model-a', temperature: 0.1 });
    expect(JSON.parse(healthy.requests.at(-1)!.body)).toEqual(chat(false));
    faulty.configure({ fallback: { kind: 'status', status: 500, delayMs: 700 } });
    const slow = await chatRequest(url!, chat(false));
    expect(slow.status).toBe(500);
    expect(JSON.parse(slow.raw)).toEqual({ error: { message: 'mock fault: status 500', type: 'mock_error', code: 500 } });
    expect(healthy.requests.length - h0).toBe(1);
    await eventually(async () => {
      expect(apps.logs(400)).toMatch(/ai instance failed after \d+ms, exceeding retry_on_failure_within_ms 300, not retrying/);
    });
  });

  it('answers 502 with the last upstream error body when every instance fails', async () => {
    const [url] = await route('all-fail', {
      instances: [instance('a', faulty, { priority: 1 }), instance('b', faulty)],
      fallback_strategy: ['http_429', 'http_5xx'],
    });
    faulty.configure({
      script: [
        { kind: 'status', status: 500 },
        { kind: 'status', status: 429 },
      ],
    });
    const r = await chatRequest(url!, chat(false));
    expect(r.status).toBe(502);
    expect(JSON.parse(r.raw)).toEqual({ error: { message: 'mock fault: status 429', type: 'mock_error', code: 429 } });
  });
});

describe('failover under load from 3 data planes', () => {
  it('no client-visible failure and a bounded p99 TTFT while one instance is healthy', async () => {
    // Every fault the mock has that happens before the first byte, at 60 % of its requests;
    // the faulty instance has the higher priority so it is tried first every time.
    faulty.configure({
      seed: 7,
      random: [
        { fault: { kind: 'status', status: 429, retryAfter: '1' }, p: 0.1 },
        { fault: { kind: 'status', status: 500 }, p: 0.1 },
        { fault: { kind: 'status', status: 503 }, p: 0.05 },
        { fault: { kind: 'reset' }, p: 0.1 },
        { fault: { kind: 'error_event' }, p: 0.1 },
        { fault: { kind: 'truncate', afterEvents: 0 }, p: 0.05 },
        { fault: { kind: 'slow_first_token', delayMs: 3000 }, p: 0.1 },
      ],
    });
    const urls = await route('load', {
      instances: [
        instance('faulty', faulty, { priority: 1, first_token_timeout_ms: FIRST_TOKEN_TIMEOUT_MS }),
        instance('healthy', healthy, { first_token_timeout_ms: 5000 }),
      ],
      fallback_strategy: ['http_429', 'http_5xx'],
      stream_failover: {},
      timeout: 10_000,
    });
    const healthyOnly = await route('load-healthy', { instances: [instance('healthy', healthy)] });
    // The healthy instance's TTFT through the gateway under the same load (the machine is shared).
    const base = await chatLoad({ urls: healthyOnly, total: 180, concurrency: 18, body: () => chat(true), expectText: ANSWER });
    expect(base.failures).toEqual([]);
    const f0 = faulty.requests.length;
    const load = await chatLoad({ urls, total: 180, concurrency: 18, body: () => chat(true), expectText: ANSWER });
    const faultsSeen = faulty.requests.slice(f0).filter((r) => r.fault !== 'ok').length;
    expect(load.failures.map((f) => ({ status: f.status, raw: f.raw.slice(0, 200) }))).toEqual([]);
    expect(load.results).toHaveLength(180);
    expect(faulty.requests.length - f0).toBe(180);
    expect(faultsSeen).toBeGreaterThan(70);
    // Bound: first-token timeout + the healthy instance's p99 TTFT, plus a generous margin for a
    // slow shared CI box (both figures measured under the same load, moments apart).
    expect(load.ttft.p99).toBeLessThan(FIRST_TOKEN_TIMEOUT_MS + Math.max(base.ttft.p99, HEALTHY_TTFT_MS) + 2000);
  }, 120_000);

  it('non-streaming requests fail over too (fallback_strategy)', async () => {
    faulty.configure({
      seed: 3,
      random: [
        { fault: { kind: 'status', status: 502 }, p: 0.5 },
        { fault: { kind: 'reset' }, p: 0.3 },
      ],
    });
    const urls = await route('load-json', {
      instances: [instance('faulty', faulty, { priority: 1 }), instance('healthy', healthy)],
      fallback_strategy: ['http_429', 'http_5xx'],
    });
    const load = await chatLoad({ urls, total: 60, concurrency: 12, body: () => chat(false), expectText: ANSWER });
    expect(load.failures.map((f) => f.status)).toEqual([]);
  }, 60_000);
});

describe('cooldowns', () => {
  it("a Retry-After cooldown is shared by a pod's workers: each data plane tries the instance once", async () => {
    faulty.configure({ fallback: { kind: 'status', status: 429, retryAfter: '30' } });
    const urls = await route('cool', {
      instances: [instance('faulty', faulty, { priority: 1 }), instance('healthy', healthy)],
      fallback_strategy: ['http_429'],
      cooldown: { max_fails: 5, duration: 30 },
    });
    const f0 = faulty.requests.length;
    for (const url of urls) {
      // The first request of this data plane meets the 429 and starts the pod's cooldown.
      expect((await chatRequest(url, chat(false))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100)); // the primary's broadcast reaches both workers
      for (let i = 0; i < 10; i++) expect((await chatRequest(url, chat(false))).text).toBe(ANSWER);
    }
    expect(faulty.requests.length - f0).toBe(3);
  });
});

describe('model routing', () => {
  it("routes by the client's model and tries its ordered models list", async () => {
    faulty.configure({});
    const urls = await route('models', {
      instances: [instance('gpt', faulty, { models: ['gpt-4o*'] }), instance('llama', healthy, { models: ['llama-*', 'cheap'] })],
      model_routing: { allow_client_models: true },
      fallback_strategy: ['http_5xx'],
    });
    const h0 = healthy.requests.length;
    const g0 = faulty.requests.length;
    expect((await chatRequest(urls[0]!, chat(false, { model: 'llama-3.1' }))).status).toBe(200);
    expect(healthy.requests.length - h0).toBe(1);
    expect((await chatRequest(urls[1]!, chat(false, { model: 'gpt-4o-mini' }))).status).toBe(200);
    expect(faulty.requests.length - g0).toBe(1);
    const none = await chatRequest(urls[2]!, chat(false, { model: 'mistral' }));
    expect(none.status).toBe(400);
    expect(JSON.parse(none.raw)).toEqual({ message: 'no ai instance serves the requested model: mistral' });
    faulty.configure({ fallback: { kind: 'status', status: 500 } });
    const r = await chatRequest(urls[0]!, { messages: [{ role: 'user', content: 'hi' }], models: ['gpt-4o', 'cheap'] });
    expect(r.status).toBe(200);
    const sent = JSON.parse(healthy.requests.at(-1)!.body) as Record<string, unknown>;
    expect(sent.model).toBe('cheap');
    expect(sent.models).toBeUndefined();
  });
});

describe('streams through the data plane', () => {
  it('sends keep-alive comments while the first token is slow, then the stream', async () => {
    faulty.configure({ fallback: { kind: 'slow_first_token', delayMs: 1200 } });
    const [url] = await route('keepalive', {
      instances: [instance('slow', faulty, { priority: 1 }), instance('healthy', healthy)],
      stream_failover: { keepalive_interval_ms: 300 },
    });
    const r = await chatRequest(url!, chat(true));
    expect(r.status).toBe(200);
    expect(r.comments).toBeGreaterThanOrEqual(2);
    expect(r.text).toBe(ANSWER);
    expect(r.done).toBe(true);
    expect(r.aborted).toBe(false);
  });

  it('ends a stream cut after its first token with an SSE error event and a clean end', async () => {
    faulty.configure({ fallback: { kind: 'truncate', afterEvents: 2 } });
    const [url] = await route('cut', {
      instances: [instance('cut', faulty, { priority: 1 }), instance('healthy', healthy)],
      stream_failover: {},
    });
    const r = await chatRequest(url!, chat(true));
    expect(r.status).toBe(200);
    expect(r.aborted).toBe(false);
    expect(r.errorEvent).toBe(true);
    expect(r.raw).toMatch(
      /\n\nevent: error\ndata: \{"error":\{"message":"[^"]*","type":"upstream_error","code":"AI_UPSTREAM_CONNECT"\}\}\n\n$/,
    );
  });
});
