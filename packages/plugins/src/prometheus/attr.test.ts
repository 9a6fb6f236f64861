import { describe, expect, it } from 'vitest';
import { DEFAULT_BUCKETS, DEFAULT_TOKEN_BUCKETS, parsePrometheusAttr } from './attr.js';
import { buildFamilies } from './families.js';

describe('parsePrometheusAttr', () => {
  it('has APISIX defaults', () => {
    const a = parsePrometheusAttr(undefined);
    expect(a).toMatchObject({
      exportUri: '/apisix/prometheus/metrics',
      metricPrefix: 'apisix_',
      enableExportServer: true,
      exportAddr: { ip: '127.0.0.1', port: 9091 },
      defaultBuckets: DEFAULT_BUCKETS,
      llmLatencyBuckets: DEFAULT_BUCKETS,
      llmPromptTokensBuckets: DEFAULT_TOKEN_BUCKETS,
    });
    expect(DEFAULT_BUCKETS).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000]);
  });

  it('applies metric_prefix, default_buckets (http_latency only) and extra_labels in order', () => {
    const f = buildFamilies(
      parsePrometheusAttr({
        metric_prefix: 'portico_',
        default_buckets: [5, 50],
        metrics: {
          http_status: { extra_labels: [{ upstream_addr: '$upstream_addr' }, { st: '$upstream_status' }] },
          upstream_status: { extra_labels: [{ a: '$b' }] },
        },
      }),
    );
    expect(f.status.fullName).toBe('portico_http_status');
    expect(f.status.labels.slice(-3)).toEqual(['response_source', 'upstream_addr', 'st']);
    expect(f.status.extraVars).toEqual(['upstream_addr', 'upstream_status']);
    expect(f.latency.buckets).toEqual([5, 50]);
    expect(f.llmLatency.buckets).toEqual(DEFAULT_BUCKETS);
    // Extra labels apply to the per-request families only, as in APISIX.
    expect(f.upstreamStatus.labels).toEqual(['name', 'ip', 'port']);
  });

  it('rejects unusable values with the path of the bad field', () => {
    expect(() => parsePrometheusAttr({ default_buckets: [10, 5] })).toThrow(
      'plugin_attr.prometheus.default_buckets must be in increasing order',
    );
    expect(() => parsePrometheusAttr({ export_addr: { port: 'x' } })).toThrow(
      'plugin_attr.prometheus.export_addr.port must be a port number',
    );
    expect(() => parsePrometheusAttr({ metrics: { http_status: { extra_labels: [{ a: 'no-dollar' }] } } })).toThrow(
      'plugin_attr.prometheus.metrics.http_status.extra_labels[0] must be one `label: $variable` pair',
    );
    expect(() => parsePrometheusAttr({ metric_prefix: 'bad-prefix' })).toThrow(
      'plugin_attr.prometheus.metric_prefix must be a valid metric name prefix',
    );
  });
});
