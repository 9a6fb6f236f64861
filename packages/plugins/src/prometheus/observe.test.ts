import { describe, expect, it } from 'vitest';
import { fakeContext, type FakeContext } from '../testing/fake-context.js';
import { parsePrometheusAttr } from './attr.js';
import { buildFamilies } from './families.js';
import { Observer } from './observe.js';
import { Recorder } from './recorder.js';
import type { PrometheusRuntime } from './runtime.js';
import { MetricStore } from './store.js';

function runtime(raw: unknown = {}): PrometheusRuntime {
  const attr = parsePrometheusAttr(raw);
  return { attr, families: buildFamilies(attr), recorder: new Recorder() };
}

function render(rt: PrometheusRuntime): string {
  const store = new MetricStore(rt.families);
  store.apply(1, rt.recorder.takeReport(), 0);
  return store.render(0);
}

function aiCtx(stream: boolean, status = 200, meta?: Record<string, unknown>): FakeContext {
  const ctx = fakeContext();
  Object.assign(ctx, {
    matchedUri: '/chat',
    matchedHost: '',
    status,
    pluginMetadata: (n: string) => (n === 'prometheus' ? meta : undefined),
  });
  ctx.consumer = { username: 'alice', plugins: {}, key: '/apisix/consumers/alice' };
  ctx.shared.set('picked_ai_instance_name', 'ai-proxy-openai');
  for (const [k, v] of Object.entries({
    status: String(status),
    route_name: 'chat-route',
    service_id: 's1',
    request_type: stream ? 'ai_stream' : 'ai_chat',
    request_llm_model: 'asked',
    llm_model: 'gpt-4',
    llm_time_to_first_token: '120',
    apisix_upstream_response_time: '900',
    upstream_response_time: '0.900',
    upstream_status: String(status),
    llm_prompt_tokens: '17',
    llm_completion_tokens: '9',
    request_length: '300',
    bytes_sent: '1000',
  })) {
    ctx.vars.set(k, v);
  }
  return ctx;
}

const LLM = 'route_id="1",service_id="s1",consumer="alice",node="ai-proxy-openai"';

describe('Observer (prometheus log phase)', () => {
  it('records http_status, latency types and bandwidth with APISIX label order', () => {
    const rt = runtime();
    new Observer(rt, false).log(aiCtx(false));
    const text = render(rt);
    expect(text).toContain(
      'apisix_http_status{code="200",route="1",matched_uri="/chat",matched_host="",service="s1",consumer="alice",node="ai-proxy-openai",request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4",response_source="upstream"} 1\n',
    );
    for (const type of ['request', 'upstream', 'apisix'])
      expect(text).toContain(`apisix_http_latency_count{type="${type}",route="1",service="s1"`);
    expect(text).toContain(
      'apisix_http_latency_sum{type="upstream",route="1",service="s1",consumer="alice",node="ai-proxy-openai",request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4"} 900\n',
    );
    expect(text).toContain(
      'apisix_bandwidth{type="ingress",route="1",service="s1",consumer="alice",node="ai-proxy-openai",request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4"} 300\n',
    );
    expect(text).toContain(
      'apisix_bandwidth{type="egress",route="1",service="s1",consumer="alice",node="ai-proxy-openai",request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4"} 1000\n',
    );
  });

  it('non-stream AI request: total latency from apisix_upstream_response_time, no ttft series, token counters and dists', () => {
    const rt = runtime();
    new Observer(rt, false).log(aiCtx(false));
    const text = render(rt);
    expect(text).toContain(
      `apisix_llm_latency_sum{type="total",${LLM},request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4"} 900\n`,
    );
    expect(text).not.toContain('apisix_llm_latency_count{type="ttft"');
    expect(text).toContain(
      `apisix_llm_prompt_tokens{${LLM},request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4"} 17\n`,
    );
    expect(text).toContain(
      `apisix_llm_completion_tokens{${LLM},request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4"} 9\n`,
    );
    expect(text).toContain(
      `apisix_llm_prompt_tokens_dist_bucket{${LLM},request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4",le="10"} 0\n`,
    );
    expect(text).toContain(
      `apisix_llm_prompt_tokens_dist_bucket{${LLM},request_type="ai_chat",request_llm_model="asked",llm_model="gpt-4",le="50"} 1\n`,
    );
  });

  it('stream AI request: a ttft observation of llm_time_to_first_token', () => {
    const rt = runtime();
    new Observer(rt, false).log(aiCtx(true));
    expect(render(rt)).toContain(
      `apisix_llm_latency_sum{type="ttft",${LLM},request_type="ai_stream",request_llm_model="asked",llm_model="gpt-4"} 120\n`,
    );
  });

  it('an error response counts tokens but no llm_latency', () => {
    const rt = runtime();
    new Observer(rt, false).log(aiCtx(true, 429));
    const text = render(rt);
    expect(text).toContain(
      `apisix_llm_prompt_tokens{${LLM},request_type="ai_stream",request_llm_model="asked",llm_model="gpt-4"} 17\n`,
    );
    expect(text).not.toContain('apisix_llm_latency');
  });

  it('a TTFT of "0" (unset, or under 1 ms) leaves llm_latency out, as APISIX\'s `~= "0"` check does', () => {
    const rt = runtime();
    const ctx = aiCtx(true);
    ctx.vars.set('llm_time_to_first_token', '0');
    new Observer(rt, false).log(ctx);
    const text = render(rt);
    expect(text).not.toContain('apisix_llm_latency');
    expect(text).toContain('apisix_llm_prompt_tokens{');
  });

  it('a plain request records no LLM family', () => {
    const rt = runtime();
    const ctx = fakeContext();
    ctx.status = 404;
    new Observer(rt, false).log(ctx);
    const text = render(rt);
    expect(text).toContain(
      'apisix_http_status{code="404",route="1",matched_uri="",matched_host="",service="",consumer="",node="",request_type="traditional_http",request_llm_model="",llm_model="",response_source="apisix"} 1\n',
    );
    expect(text).not.toContain('apisix_llm_');
  });

  it('prefer_name reports the route and service names', () => {
    const rt = runtime();
    const ctx = aiCtx(false);
    ctx.vars.set('service_name', 'svc-name');
    new Observer(rt, true).log(ctx);
    const text = render(rt);
    expect(text).toContain(
      'apisix_http_status{code="200",route="chat-route",matched_uri="/chat",matched_host="",service="svc-name"',
    );
    expect(text).toContain('apisix_llm_prompt_tokens{route_id="chat-route",service_id="svc-name"');
  });

  it('plugin_metadata disabled_labels blank exactly those labels, and extra labels follow', () => {
    const rt = runtime({ metrics: { http_status: { extra_labels: [{ upstream_addr: '$upstream_addr' }] } } });
    const ctx = aiCtx(false, 200, { disabled_labels: { http_status: ['consumer', 'llm_model'] } });
    ctx.vars.set('upstream_addr', '10.0.0.1:443');
    new Observer(rt, false).log(ctx);
    expect(render(rt)).toContain(
      'apisix_http_status{code="200",route="1",matched_uri="/chat",matched_host="",service="s1",consumer="",node="ai-proxy-openai",request_type="ai_chat",request_llm_model="asked",llm_model="",response_source="upstream",upstream_addr="10.0.0.1:443"} 1\n',
    );
  });

  it('reuses one cell per label set across requests', () => {
    const rt = runtime();
    const o = new Observer(rt, false);
    for (let i = 0; i < 3; i++) o.log(aiCtx(false));
    const report = rt.recorder.takeReport();
    expect(report.deltas.filter((d) => d[0] === rt.families.status.index)).toEqual([
      [rt.families.status.index, expect.any(Array), 3],
    ]);
  });
});
