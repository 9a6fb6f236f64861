import { describe, expect, it } from 'vitest';
import { parsePrometheusAttr } from './attr.js';
import { buildFamilies } from './families.js';
import { Recorder } from './recorder.js';
import { MetricStore } from './store.js';

const fams = buildFamilies(parsePrometheusAttr({ metrics: { http_status: { expire: 10 } } }));
const statusLabels = (code: string): string[] => [code, '1', '/x', '', '', '', '', 'traditional_http', '', '', 'upstream'];

describe('MetricStore', () => {
  it('sums the increments of every worker into one series and keeps them after the worker exits', () => {
    const store = new MetricStore(fams);
    const a = new Recorder();
    const b = new Recorder();
    a.inc(a.counter(fams.status, statusLabels('200')), 1);
    a.inc(a.counter(fams.status, statusLabels('200')), 1);
    b.inc(b.counter(fams.status, statusLabels('200')), 1);
    store.apply(1, a.takeReport(), 0);
    store.apply(2, b.takeReport(), 0);
    store.dropWorker(1);
    expect(store.render(0)).toContain(
      '{code="200",route="1",matched_uri="/x",matched_host="",service="",consumer="",node="",request_type="traditional_http",request_llm_model="",llm_model="",response_source="upstream"} 3\n',
    );
  });

  it('reports a zero delta once: a second report of an idle recorder adds nothing', () => {
    const store = new MetricStore(fams);
    const r = new Recorder();
    r.observe(r.histogram(fams.latency, ['request', '1', '', '', '', 'traditional_http', '', '']), 3);
    store.apply(1, r.takeReport(), 0);
    expect(r.dirty).toBe(false);
    store.apply(1, r.takeReport(), 0);
    expect(store.render(0)).toContain(
      'apisix_http_latency_count{type="request",route="1",service="",consumer="",node="",request_type="traditional_http",request_llm_model="",llm_model=""} 1\n',
    );
  });

  it("sums live workers' gauges, drops a dead worker's current ones and keeps its monotonic ones", () => {
    const store = new MetricStore(fams);
    const g = (worker: number, active: number, accepted: number, requests: number): void =>
      store.apply(worker, {
        deltas: [],
        gauges: [
          [fams.connections.index, ['active'], active],
          [fams.connections.index, ['accepted'], accepted],
          [fams.requests.index, [], requests],
          [fams.upstreamStatus.index, ['/apisix/routes/1#x', '10.0.0.1', '80'], worker === 1 ? 1 : 0],
        ],
      });
    g(1, 2, 10, 50);
    g(2, 1, 5, 20);
    let text = store.render();
    expect(text).toContain('apisix_nginx_http_current_connections{state="active"} 3\n');
    expect(text).toContain('apisix_http_requests_total 70\n');
    // upstream_status: a target any worker sees unhealthy is reported unhealthy.
    expect(text).toContain('apisix_upstream_status{name="/apisix/routes/1#x",ip="10.0.0.1",port="80"} 0\n');
    store.dropWorker(2);
    g(3, 0, 1, 1);
    text = store.render();
    expect(text).toContain('apisix_nginx_http_current_connections{state="active"} 2\n');
    expect(text).toContain('apisix_nginx_http_current_connections{state="accepted"} 16\n');
    expect(text).toContain('apisix_http_requests_total 71\n');
  });

  it('drops a series of a family with expire once it saw no update for that long', () => {
    const store = new MetricStore(fams);
    const r = new Recorder();
    r.inc(r.counter(fams.status, statusLabels('500')), 1);
    store.apply(1, r.takeReport(), 1000);
    expect(store.render(10_999)).toContain('code="500"');
    expect(store.render(11_001)).not.toContain('code="500"');
  });

  it('ignores deltas whose label count does not match the family', () => {
    const store = new MetricStore(fams);
    store.apply(1, { deltas: [[fams.status.index, ['200'], 1]], gauges: [] }, 0);
    expect(store.render(0)).not.toContain('apisix_http_status');
  });
});
