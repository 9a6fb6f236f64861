import { describe, expect, it } from 'vitest';
import { parsePrometheusAttr } from './attr.js';
import { escapeLabelValue, formatValue, renderExposition } from './exposition.js';
import { buildFamilies } from './families.js';

const fams = buildFamilies(parsePrometheusAttr({ default_buckets: [10, 100] }));

describe('renderExposition', () => {
  it('writes HELP and TYPE once per family, families by name, series by label values', () => {
    const text = renderExposition([
      { family: fams.requests, series: [{ labels: [], value: 7 }] },
      {
        family: fams.connections,
        series: [
          { labels: ['waiting'], value: 1 },
          { labels: ['active'], value: 3 },
        ],
      },
    ]);
    expect(text).toBe(
      '# HELP apisix_http_requests_total The total number of client requests since APISIX started\n' +
        '# TYPE apisix_http_requests_total gauge\n' +
        'apisix_http_requests_total 7\n' +
        '# HELP apisix_nginx_http_current_connections Number of HTTP connections\n' +
        '# TYPE apisix_nginx_http_current_connections gauge\n' +
        'apisix_nginx_http_current_connections{state="active"} 3\n' +
        'apisix_nginx_http_current_connections{state="waiting"} 1\n',
    );
  });

  it('writes histogram buckets cumulatively with le after the labels, then _sum and _count', () => {
    const labels = ['request', 'r1', '', '', '', 'traditional_http', '', ''];
    const text = renderExposition([{ family: fams.latency, series: [{ labels, counts: [1, 2, 3], sum: 1234.5, count: 6 }] }]);
    const l =
      'type="request",route="r1",service="",consumer="",node="",request_type="traditional_http",request_llm_model="",llm_model=""';
    expect(text.split('\n').slice(2)).toEqual([
      `apisix_http_latency_bucket{${l},le="10"} 1`,
      `apisix_http_latency_bucket{${l},le="100"} 3`,
      `apisix_http_latency_bucket{${l},le="+Inf"} 6`,
      `apisix_http_latency_sum{${l}} 1234.5`,
      `apisix_http_latency_count{${l}} 6`,
      '',
    ]);
  });

  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('plain')).toBe('plain');
  });

  it('formats special values as Prometheus reads them', () => {
    expect([formatValue(NaN), formatValue(Infinity), formatValue(-Infinity), formatValue(0.25), formatValue(3)]).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '0.25',
      '3',
    ]);
  });
});
