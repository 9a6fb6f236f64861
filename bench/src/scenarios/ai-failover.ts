import { chatLoad, startMockFaults, type ChatLoad, type MockFaults } from '@portico/testkit';
import { adminPut, fetchText } from '../lib/admin.js';
import { fmt } from '../lib/results.js';
import type { Ctx } from './context.js';

const ANSWER = 'The answer is 2.';
const FIRST_TOKEN_TIMEOUT_MS = 300;
const HEALTHY_TTFT_MS = 20;
const DATA_PLANES = 3;

/**
 * Scenario ai-failover (issue 15): streamed chat through 3 data planes to ai-proxy-multi with a
 * fault-injecting instance (priority 1, half of its requests fail before the first byte:
 * 429 + Retry-After, 500, 503, resets, error events, empty streams, first tokens slower than
 * the 300 ms first-token timeout) and one healthy instance (20 ms to first token), against the
 * healthy instance alone. Targets: no client-visible failure; p99 TTFT ≤ first-token timeout +
 * the healthy instance's p99 TTFT through the gateway.
 */
export async function aiFailover(ctx: Ctx): Promise<void> {
  const { portico } = ctx.env;
  while (portico.dataPlanes.length < DATA_PLANES) await portico.addDataPlane();
  const faulty = await startMockFaults({ content: ANSWER });
  const healthy = await startMockFaults({ content: ANSWER, fallback: { kind: 'ok', delayMs: HEALTHY_TTFT_MS } });
  ctx.procs.own({ name: 'mock-faults', stop: async () => void (await Promise.all([faulty.close(), healthy.close()])) });
  faulty.configure({
    seed: 11,
    random: [
      { fault: { kind: 'status', status: 429, retryAfter: '1' }, p: 0.1 },
      { fault: { kind: 'status', status: 500 }, p: 0.08 },
      { fault: { kind: 'status', status: 503 }, p: 0.07 },
      { fault: { kind: 'reset' }, p: 0.08 },
      { fault: { kind: 'error_event' }, p: 0.07 },
      { fault: { kind: 'truncate', afterEvents: 0 }, p: 0.05 },
      { fault: { kind: 'slow_first_token', delayMs: 2000 }, p: 0.05 },
    ],
  });
  const inst = (name: string, m: MockFaults, extra: Record<string, unknown>) => ({
    name,
    provider: 'openai-compatible',
    weight: 1,
    auth: { header: { Authorization: `Bearer ${name}` } },
    override: { endpoint: `${m.url}/v1/chat/completions` },
    ...extra,
  });
  await adminPut(portico.adminUrl, portico.adminKey, 'routes/ai-failover', {
    uri: '/ai-failover',
    methods: ['POST'],
    plugins: {
      'ai-proxy-multi': {
        instances: [
          inst('faulty', faulty, { priority: 1, first_token_timeout_ms: FIRST_TOKEN_TIMEOUT_MS }),
          inst('healthy', healthy, {}),
        ],
        fallback_strategy: ['http_429', 'http_5xx'],
        stream_failover: {},
      },
    },
  });
  await adminPut(portico.adminUrl, portico.adminKey, 'routes/ai-healthy-only', {
    uri: '/ai-healthy-only',
    methods: ['POST'],
    plugins: { 'ai-proxy-multi': { instances: [inst('healthy', healthy, {})] } },
  });
  for (const dp of portico.dataPlanes) {
    for (const path of ['/ai-failover', '/ai-healthy-only']) {
      for (let i = 0; i < 200 && (await fetchText(`${dp.url}${path}`, { method: 'POST' })).status === 404; i++)
        await new Promise((r) => setTimeout(r, 50));
    }
  }
  const urls = (path: string) => portico.dataPlanes.map((d) => `${d.url}${path}`);
  const body = () => ({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'What is 1+1?' }] });
  const total = ctx.cfg.quick ? 150 : 1500;
  const run = (path: string): Promise<ChatLoad> =>
    chatLoad({ urls: urls(path), total, concurrency: 32, body, expectText: ANSWER });
  await run('/ai-healthy-only'); // warm-up
  const base = await run('/ai-healthy-only');
  const f0 = faulty.requests.length;
  const fail = await run('/ai-failover');
  const c = faulty.counts();
  const faultsInjected = faulty.requests.length - f0 - c.ok;
  ctx.log(
    `  healthy only: ${fmt((total / base.elapsedMs) * 1000)} req/s TTFT p50 ${base.ttft.p50.toFixed(1)} p99 ${base.ttft.p99.toFixed(1)} ms; ` +
      `with faults: ${fmt((total / fail.elapsedMs) * 1000)} req/s TTFT p50 ${fail.ttft.p50.toFixed(1)} p99 ${fail.ttft.p99.toFixed(1)} ms, ` +
      `${faultsInjected} faults injected, ${fail.failures.length} client failures`,
  );
  const s = 'ai-failover';
  const R = ctx.results;
  R.measure(
    s,
    `healthy instance only, ${total} streams c=32 over ${DATA_PLANES} data planes: throughput`,
    (total / base.elapsedMs) * 1000,
    'req/s',
  );
  R.measure(s, 'healthy instance only: TTFT p50', base.ttft.p50, 'ms');
  R.measure(s, 'healthy instance only: TTFT p99', base.ttft.p99, 'ms');
  R.measure(s, 'fault instance first + healthy: throughput', (total / fail.elapsedMs) * 1000, 'req/s');
  R.measure(s, 'fault instance first + healthy: TTFT p50', fail.ttft.p50, 'ms');
  R.measure(s, 'fault instance first + healthy: TTFT p99', fail.ttft.p99, 'ms');
  R.measure(s, 'faults injected before the first byte', faultsInjected, 'requests');
  R.measure(s, 'client-visible failures', fail.failures.length, 'requests');
  R.target({
    scenario: s,
    target: 'zero client-visible failures while one instance is healthy',
    measured: `${fail.failures.length} of ${total}`,
    ratio: undefined,
    pass: fail.failures.length === 0,
  });
  const bound = FIRST_TOKEN_TIMEOUT_MS + base.ttft.p99;
  R.target({
    scenario: s,
    target: `TTFT p99 ≤ first-token timeout (${FIRST_TOKEN_TIMEOUT_MS} ms) + healthy TTFT p99 (${fmt(base.ttft.p99)} ms)`,
    measured: `${fmt(fail.ttft.p99)} ms`,
    ratio: fail.ttft.p99 / bound,
    ratioOf: 'bound',
    pass: fail.ttft.p99 <= bound,
  });
  ctx.results.raw.aiFailover = {
    total,
    faultsInjected,
    counts: c,
    base: { elapsedMs: base.elapsedMs, ttft: base.ttft },
    failover: { elapsedMs: fail.elapsedMs, ttft: fail.ttft, failures: fail.failures.slice(0, 5).map((f) => f.raw.slice(0, 300)) },
  };
}
