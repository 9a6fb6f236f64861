// The prometheus plugin on a global rule, scraped by a real Prometheus server: two data planes
// (two node:cluster workers each) against one etcd, an ai-proxy route behind key-auth on the
// mock OpenAI, a plain route on a local upstream. Asserts the token counters and the TTFT
// histogram through Prometheus' HTTP API, `promtool check metrics` on a scrape, the pod-wide
// totals surviving a killed worker, plugin_metadata disabled labels and model-label truncation.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  startEtcd,
  startMockLlm,
  startPortico,
  type EtcdProcess,
  type MockLlm,
  type PorticoApps,
} from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, startUpstream, type Upstream } from '../helpers.js';
import { promtoolCheck, startPrometheus, type PrometheusServer } from './prometheus-server.js';

const PROVIDER_KEY = 'sk-e2e-prometheus-provider';
const METRICS_PATH = '/apisix/prometheus/metrics';
const PROMPT_TOKENS = 17;
const COMPLETION_TOKENS = 9;

let etcd: EtcdProcess;
let mock: MockLlm;
let upstream: Upstream;
let pod1: PorticoApps;
let pod2: PorticoApps;
let exportPorts: number[];
let prom: PrometheusServer | undefined;

const exporterConf = (port: number): Record<string, unknown> => ({
  plugin_attr: { prometheus: { export_addr: { ip: '127.0.0.1', port } } },
});

async function scrape(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}${METRICS_PATH}`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return r.text();
}

/** Sum of the samples of `name` whose label text contains every `must` fragment. */
function sumOf(text: string, name: string, ...must: string[]): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (must.every((m) => line.includes(m))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function put(path: string, body: unknown): Promise<void> {
  const res = await adminRequest(pod1, 'PUT', path, body);
  expect([200, 201], res.text).toContain(res.status);
}

async function chat(url: string, body: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', apikey: 'alice-key' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'What is 1+1?' }], ...body }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await r.text();
  expect(r.status, text).toBe(200);
  return text;
}

beforeAll(async () => {
  etcd = await startEtcd();
  // A few ms before each answer: a TTFT under 1 ms reads as "0", which APISIX (and Portico)
  // treat as "no TTFT" and leave out of llm_latency.
  mock = await startMockLlm({
    apiKey: PROVIDER_KEY,
    promptTokens: PROMPT_TOKENS,
    completionTokens: COMPLETION_TOKENS,
    behavior: { delayHeadersMs: 5 },
  });
  upstream = await startEchoUpstream();
  exportPorts = [await freePort(), await freePort()];
  pod1 = await startPortico({ etcdEndpoint: etcd.endpoint, workers: 2, extraConf: exporterConf(exportPorts[0]!) });
  pod2 = await startPortico({
    etcdEndpoint: etcd.endpoint,
    admin: false,
    adminKey: pod1.adminKey,
    workers: 2,
    extraConf: exporterConf(exportPorts[1]!),
  });
  await put('/apisix/admin/consumers', { username: 'alice', plugins: { 'key-auth': { key: 'alice-key' } } });
  await put('/apisix/admin/global_rules/1', { plugins: { prometheus: {} } });
  await put('/apisix/admin/routes/chat', {
    uri: '/v1/chat/completions',
    plugins: {
      'key-auth': {},
      'ai-proxy': {
        provider: 'openai',
        auth: { header: { Authorization: `Bearer ${PROVIDER_KEY}` } },
        options: { model: 'gpt-4' },
        override: { endpoint: `${mock.url}/v1/chat/completions` },
      },
    },
  });
  await put('/apisix/admin/routes/plain', { uri: '/plain', upstream: { type: 'roundrobin', nodes: { [upstream.node]: 1 } } });
  for (const dp of [...pod1.dataPlanes, ...pod2.dataPlanes]) {
    await eventually(async () => {
      const r = await fetch(`${dp.url}/plain`);
      await r.arrayBuffer();
      expect(r.status).toBe(200);
    });
  }
});
afterAll(async () => {
  await prom?.stop();
  await pod2?.stop();
  await pod1?.stop();
  await upstream?.close();
  await mock?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => pod1);

describe('prometheus exporter of a pod', () => {
  it('serves APISIX families on export_addr; the worker counts survive a killed worker', async () => {
    const dp = pod1.dataPlanes[0]!;
    const before = sumOf(await scrape(exportPorts[0]!), 'apisix_http_status', 'route="plain"');
    for (let i = 0; i < 6; i++) expect((await fetch(`${dp.url}/plain`)).status).toBe(200);
    const text = await scrape(exportPorts[0]!);
    expect(
      sumOf(
        text,
        'apisix_http_status',
        'code="200"',
        'route="plain"',
        'matched_uri="/plain"',
        'response_source="upstream"',
        'node="127.0.0.1"',
      ),
    ).toBe(before + 6);
    expect(text).toContain('# TYPE apisix_http_latency histogram\n');
    expect(sumOf(text, 'apisix_http_latency_count', 'type="request"', 'route="plain"')).toBe(before + 6);
    expect(sumOf(text, 'apisix_http_latency_count', 'type="upstream"', 'route="plain"')).toBe(before + 6);
    expect(sumOf(text, 'apisix_bandwidth', 'type="egress"', 'route="plain"')).toBeGreaterThan(0);
    expect(text).toMatch(/\napisix_etcd_reachable 1\n/);
    expect(text).toMatch(/\napisix_node_info\{hostname="[^"]+",version="3\.16\.0"\} 1\n/);
    expect(sumOf(text, 'apisix_etcd_modify_indexes', 'key="routes"')).toBeGreaterThan(0);
    expect(text).toMatch(/\napisix_nginx_http_current_connections\{state="accepted"\} \d+\n/);

    // Kill one worker: a scrape while it is down still has every count it reported.
    const workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(dp.process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
    expect(workers.length).toBe(2);
    const requestsBefore = sumOf(text, 'apisix_http_requests_total');
    process.kill(workers[0]!, 'SIGKILL');
    const during = await scrape(exportPorts[0]!);
    expect(sumOf(during, 'apisix_http_status', 'route="plain"')).toBe(before + 6);
    expect(sumOf(during, 'apisix_http_requests_total')).toBeGreaterThanOrEqual(requestsBefore);
    // The replacement worker joins; new counts add to the kept totals.
    await eventually(async () => expect((await fetch(`${dp.url}/plain`)).status).toBe(200), 15_000);
    const after = await scrape(exportPorts[0]!);
    expect(sumOf(after, 'apisix_http_status', 'route="plain"')).toBeGreaterThanOrEqual(before + 7);
  });

  it('a real Prometheus scraping both data planes returns the token counters and the TTFT histogram', async () => {
    prom = await startPrometheus(exportPorts.map((p) => ({ address: `127.0.0.1:${p}`, metricsPath: METRICS_PATH })));
    const [dp1, dp2] = [pod1.dataPlanes[0]!.url, pod2.dataPlanes[0]!.url];
    for (let i = 0; i < 3; i++) await chat(dp1, { model: 'client-model' });
    for (let i = 0; i < 2; i++) await chat(dp2, { model: 'client-model', stream: true });
    const sel = 'route_id="chat",consumer="alice",node="ai-proxy-openai",request_llm_model="client-model",llm_model="gpt-4"';
    await eventually(
      async () => {
        const up = await prom!.query('up');
        expect(up.map((s) => s.value[1])).toEqual(['1', '1']);
        const prompt = await prom!.query(`sum by (request_type) (apisix_llm_prompt_tokens{${sel}})`);
        expect(Object.fromEntries(prompt.map((s) => [s.metric.request_type, s.value[1]]))).toEqual({
          ai_chat: String(3 * PROMPT_TOKENS),
          ai_stream: String(2 * PROMPT_TOKENS),
        });
        const completion = await prom!.query(`sum(apisix_llm_completion_tokens{${sel}})`);
        expect(completion[0]?.value[1]).toBe(String(5 * COMPLETION_TOKENS));
        const byInstance = await prom!.query(`sum by (instance) (apisix_llm_prompt_tokens{${sel}})`);
        expect(Object.fromEntries(byInstance.map((s) => [s.metric.instance, s.value[1]]))).toEqual({
          [`127.0.0.1:${exportPorts[0]}`]: String(3 * PROMPT_TOKENS),
          [`127.0.0.1:${exportPorts[1]}`]: String(2 * PROMPT_TOKENS),
        });
        const ttft = await prom!.query(`sum by (le) (apisix_llm_latency_bucket{type="ttft",request_type="ai_stream",${sel}})`);
        const inf = ttft.find((s) => s.metric.le === '+Inf');
        expect(inf?.value[1]).toBe('2');
        expect(ttft.map((s) => s.metric.le)).toContain('60000');
        const total = await prom!.query(`sum(apisix_llm_latency_count{type="total",${sel}})`);
        expect(total[0]?.value[1]).toBe('5');
        const dist = await prom!.query(`sum(apisix_llm_prompt_tokens_dist_bucket{le="50",${sel}})`);
        expect(dist[0]?.value[1]).toBe('5');
        const active = await prom!.query(`sum(apisix_llm_active_connections{route_id="chat"})`);
        expect(active[0]?.value[1]).toBe('0');
      },
      30_000,
      500,
    );
  });

  it('every query of the Grafana dashboard in deploy/ is valid PromQL; the token and latency panels have data', async () => {
    const dashboard = JSON.parse(readFileSync(join(projectRoot, 'deploy/grafana/portico-llm.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const withData = new Set([
      'Tokens/s by model',
      'Tokens/s by consumer',
      'Time to first token vs total latency (p50 / p95)',
      'HTTP status by code',
    ]);
    await eventually(
      async () => {
        for (const p of dashboard.panels) {
          let points = 0;
          for (const t of p.targets) {
            const q = t.expr.replaceAll('$instance', '.*').replaceAll('$__rate_interval', '1m');
            points += (await prom!.query(q)).length;
          }
          if (withData.has(p.title)) expect(points, p.title).toBeGreaterThan(0);
        }
      },
      20_000,
      1000,
    );
  });

  it("promtool check metrics finds no format error, only the naming lints of APISIX's own metric names", async () => {
    await chat(pod1.dataPlanes[0]!.url, { model: 'client-model' });
    const text = await scrape(exportPorts[0]!);
    const { findings } = promtoolCheck(text);
    expect(findings.sort()).toEqual([
      'apisix_bandwidth counter metrics should have "_total" suffix',
      'apisix_http_requests_total non-counter metrics should not have "_total" suffix',
      'apisix_http_status counter metrics should have "_total" suffix',
      'apisix_llm_completion_tokens counter metrics should have "_total" suffix',
      'apisix_llm_prompt_tokens counter metrics should have "_total" suffix',
    ]);
  });

  it('upstream_status reports ai-proxy-multi health checks per instance: 1 healthy, 0 unhealthy', async () => {
    const failing = await startUpstream((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const checks = (port: number) => ({
      active: {
        type: 'http',
        http_path: '/health',
        port,
        timeout: 1,
        healthy: { interval: 1, successes: 1 },
        unhealthy: { interval: 1, http_failures: 1 },
      },
    });
    const instance = (name: string, port: number) => ({
      name,
      provider: 'openai',
      weight: 1,
      auth: { header: { Authorization: `Bearer ${PROVIDER_KEY}` } },
      options: { model: 'gpt-4' },
      override: { endpoint: `${mock.url}/v1/chat/completions` },
      checks: checks(port),
    });
    try {
      await put('/apisix/admin/routes/multi', {
        uri: '/multi',
        plugins: { 'ai-proxy-multi': { instances: [instance('healthy', mock.port), instance('sick', failing.port)] } },
      });
      // The checked target is the instance's endpoint (host and port); checks.active.port only
      // redirects the probes.
      const name = (i: number): string => `/apisix/routes/multi#plugins['ai-proxy-multi'].instances[${i}]`;
      await eventually(
        async () => {
          const text = await scrape(exportPorts[0]!);
          expect(text).toContain(`apisix_upstream_status{name="${name(0)}",ip="127.0.0.1",port="${mock.port}"} 1\n`);
          expect(text).toContain(`apisix_upstream_status{name="${name(1)}",ip="127.0.0.1",port="${mock.port}"} 0\n`);
        },
        15_000,
        300,
      );
    } finally {
      await adminRequest(pod1, 'DELETE', '/apisix/admin/routes/multi');
      await failing.close();
    }
  });

  it('plugin_metadata disabled_labels blanks a label; a long model name is cut to 128 bytes', async () => {
    const bad = await adminRequest(pod1, 'PUT', '/apisix/admin/plugin_metadata/prometheus', {
      disabled_labels: { http_status: ['code'] },
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({
      error_msg:
        'invalid configuration: property "disabled_labels" validation failed: property "http_status" validation failed: failed to validate item 1: matches none of the enum values',
    });
    await put('/apisix/admin/plugin_metadata/prometheus', {
      disabled_labels: { llm_prompt_tokens: ['consumer', 'request_llm_model'] },
    });
    const dp = pod1.dataPlanes[0]!.url;
    const longModel = 'm'.repeat(300);
    await eventually(async () => {
      await chat(dp, { model: longModel });
      const text = await scrape(exportPorts[0]!);
      expect(sumOf(text, 'apisix_llm_prompt_tokens', 'consumer=""', 'request_llm_model=""', 'llm_model="gpt-4"')).toBeGreaterThan(
        0,
      );
    });
    const text = await scrape(exportPorts[0]!);
    expect(text).toContain(`request_llm_model="${'m'.repeat(128)}"`);
    expect(text).not.toContain('m'.repeat(129));
  });
});
