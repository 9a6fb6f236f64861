import { afterEach, describe, expect, it } from 'vitest';
import type { PodChannel } from '../pod-shared/channel.js';
import { fakeContext } from '../testing/fake-context.js';
import { trackLlmActive, untrackLlmActive } from './active.js';
import { REPORT, SCRAPE_REQUEST, type ReportMsg } from './protocol.js';
import { initPrometheusWorker, type WorkerMetrics } from './runtime.js';
import { MetricStore } from './store.js';

/** A channel whose sent messages are recorded and which can deliver primary messages. */
function channel() {
  const sent: ReportMsg[] = [];
  let deliver: (m: unknown) => void = () => undefined;
  const ch: PodChannel<object> = { send: (m) => (sent.push(m as ReportMsg), true), onMessage: (fn) => void (deliver = fn) };
  return { ch, sent, deliver: (m: unknown) => deliver(m) };
}

let metrics: WorkerMetrics | undefined;
afterEach(() => metrics?.stop());

describe('worker metrics agent', () => {
  it('answers a scrape request with its increments and current gauges, tagged with the scrape seq', () => {
    const c = channel();
    metrics = initPrometheusWorker({}, { channel: c.ch, pushMs: 60_000 });
    metrics.setNodeStats(() => ({
      connections: { active: 2, reading: 0, writing: 1, waiting: 1, accepted: 5, handled: 5 },
      requests: 9,
      etcd: { reachable: true, indexes: { routes: 12, max_modify_index: 12 } },
    }));
    const f = metrics.runtime.families;
    const rec = metrics.runtime.recorder;
    rec.inc(rec.counter(f.llmPromptTokens, ['1', '', 'alice', 'n', 'ai_chat', 'a', 'b']), 17);
    c.deliver({ portico: SCRAPE_REQUEST, seq: 4 });
    expect(c.sent).toHaveLength(1);
    expect(c.sent[0]!.portico).toBe(REPORT);
    expect(c.sent[0]!.seq).toBe(4);
    const store = new MetricStore(f);
    store.apply(1, c.sent[0]!.report);
    const text = store.render();
    expect(text).toContain(
      'apisix_llm_prompt_tokens{route_id="1",service_id="",consumer="alice",node="n",request_type="ai_chat",request_llm_model="a",llm_model="b"} 17\n',
    );
    expect(text).toContain('apisix_http_requests_total 9\n');
    expect(text).toContain('apisix_etcd_reachable 1\n');
    expect(text).toContain('apisix_etcd_modify_indexes{key="routes"} 12\n');
    expect(text).toContain('apisix_nginx_http_current_connections{state="writing"} 1\n');
  });

  it('pushes pending increments on its own every pushMs', async () => {
    const c = channel();
    metrics = initPrometheusWorker({}, { channel: c.ch, pushMs: 20 });
    const f = metrics.runtime.families;
    const rec = metrics.runtime.recorder;
    await new Promise((r) => setTimeout(r, 60));
    expect(c.sent).toEqual([]); // nothing pending: nothing sent
    rec.inc(rec.counter(f.llmCompletionTokens, ['1', '', '', '', 'ai_chat', '', '']), 3);
    await new Promise((r) => setTimeout(r, 60));
    expect(c.sent.map((m) => m.seq)).toEqual([0]);
    expect(c.sent[0]!.report.deltas).toEqual([[f.llmCompletionTokens.index, ['1', '', '', '', 'ai_chat', '', ''], 3]]);
  });

  it('llm_active_connections: +1 once per request while the upstream is in use, -1 in the log phase', () => {
    const c = channel();
    metrics = initPrometheusWorker({}, { channel: c.ch, pushMs: 60_000 });
    const ctx = fakeContext();
    ctx.vars.set('request_type', 'ai_chat');
    ctx.vars.set('llm_model', 'gpt-4');
    ctx.shared.set('picked_ai_instance_name', 'inst-a');
    trackLlmActive(ctx);
    trackLlmActive(ctx); // a fallback attempt does not count twice
    const gauge = () =>
      metrics!.runtime.recorder.takeReport().gauges.find((g) => g[0] === metrics!.runtime.families.llmActiveConnections.index);
    expect(gauge()).toEqual([
      metrics.runtime.families.llmActiveConnections.index,
      ['', '1', '', '', '', '', '', 'inst-a', 'ai_chat', '', 'gpt-4'],
      1,
    ]);
    untrackLlmActive(ctx);
    untrackLlmActive(ctx);
    expect(gauge()![2]).toBe(0);
  });
});
