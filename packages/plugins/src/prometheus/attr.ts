/**
 * `plugin_attr.prometheus` of conf/config.yaml (APISIX defaults from apisix/cli/config.lua and
 * apisix/plugins/prometheus/exporter.lua), read once at process start by the primary (the
 * exporter) and by every worker (buckets, extra labels), so both agree on every family.
 */

/** A family that can carry extra labels and an expiry (`plugin_attr.prometheus.metrics.<name>`). */
export interface MetricAttr {
  /** Label names and the nginx variable (without `$`) each takes its value from, in order. */
  extraLabels: readonly { name: string; variable: string }[];
  /** Seconds without an update after which a series disappears; 0 = never. */
  expireSec: number;
}

export interface PrometheusAttr {
  exportUri: string;
  metricPrefix: string;
  enableExportServer: boolean;
  exportAddr: { ip: string; port: number };
  /** Accepted for config compatibility; every scrape is fresh here (docs/compatibility.md). */
  refreshInterval: number;
  defaultBuckets: readonly number[];
  llmLatencyBuckets: readonly number[];
  llmPromptTokensBuckets: readonly number[];
  llmCompletionTokensBuckets: readonly number[];
  /** `ai_cache_embedding_latency_buckets` (APISIX: DEFAULT_BUCKETS, not default_buckets, when unset). */
  aiCacheEmbeddingLatencyBuckets: readonly number[];
  metrics: Readonly<Record<string, MetricAttr>>;
}

/** APISIX DEFAULT_BUCKETS: 1 ms to 60 s. */
export const DEFAULT_BUCKETS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];
/** APISIX DEFAULT_TOKEN_BUCKETS. */
export const DEFAULT_TOKEN_BUCKETS: readonly number[] = [
  1, 10, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000,
];

/** A `plugin_attr.prometheus` value that cannot be used. */
export class PrometheusAttrError extends Error {
  constructor(path: string, problem: string) {
    super(`plugin_attr.prometheus.${path} ${problem}`);
    this.name = 'PrometheusAttrError';
  }
}

type Tree = Record<string, unknown>;
const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

function str(t: Tree, k: string, dflt: string): string {
  const v = t[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string' || v === '') throw new PrometheusAttrError(k, 'must be a non-empty string');
  return v;
}

function buckets(t: Tree, k: string, dflt: readonly number[]): readonly number[] {
  const v = t[k];
  if (v === undefined || v === null) return dflt;
  if (!Array.isArray(v) || v.length === 0 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new PrometheusAttrError(k, 'must be a non-empty list of numbers');
  }
  for (let i = 1; i < v.length; i++) {
    if ((v[i] as number) <= (v[i - 1] as number)) throw new PrometheusAttrError(k, 'must be in increasing order');
  }
  return v as number[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function metricAttrs(v: unknown): Record<string, MetricAttr> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new PrometheusAttrError('metrics', 'must be a mapping');
  const out: Record<string, MetricAttr> = {};
  for (const [name, m] of Object.entries(v)) {
    if (!isMap(m)) throw new PrometheusAttrError(`metrics.${name}`, 'must be a mapping');
    const extraLabels: { name: string; variable: string }[] = [];
    const list = m.extra_labels ?? [];
    if (!Array.isArray(list)) throw new PrometheusAttrError(`metrics.${name}.extra_labels`, 'must be a list');
    list.forEach((kv, i) => {
      const entries = isMap(kv) ? Object.entries(kv) : [];
      const [label, value] = entries[0] ?? [];
      if (entries.length !== 1 || typeof value !== 'string' || !value.startsWith('$') || !LABEL_NAME.test(label ?? '')) {
        throw new PrometheusAttrError(`metrics.${name}.extra_labels[${i}]`, 'must be one `label: $variable` pair');
      }
      extraLabels.push({ name: label!, variable: value.slice(1) });
    });
    const expire = m.expire ?? 0;
    if (typeof expire !== 'number' || !(expire >= 0))
      throw new PrometheusAttrError(`metrics.${name}.expire`, 'must be a number >= 0');
    out[name] = { extraLabels, expireSec: expire };
  }
  return out;
}

/** Validate `plugin_attr.prometheus` (undefined = every default) into a {@link PrometheusAttr}. */
export function parsePrometheusAttr(raw: unknown): PrometheusAttr {
  const t: Tree = raw === undefined || raw === null ? {} : isMap(raw) ? raw : {};
  if (raw !== undefined && raw !== null && !isMap(raw)) throw new PrometheusAttrError('', 'must be a mapping');
  const addr = t.export_addr ?? {};
  if (!isMap(addr)) throw new PrometheusAttrError('export_addr', 'must be a mapping');
  const port = addr.port ?? 9091;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PrometheusAttrError('export_addr.port', 'must be a port number');
  }
  const enable = t.enable_export_server ?? true;
  if (typeof enable !== 'boolean') throw new PrometheusAttrError('enable_export_server', 'must be a boolean');
  const refresh = t.refresh_interval ?? 15;
  if (typeof refresh !== 'number' || !(refresh > 0)) throw new PrometheusAttrError('refresh_interval', 'must be a number > 0');
  const prefix = str(t, 'metric_prefix', 'apisix_');
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix))
    throw new PrometheusAttrError('metric_prefix', 'must be a valid metric name prefix');
  const uri = str(t, 'export_uri', '/apisix/prometheus/metrics');
  return {
    exportUri: uri,
    metricPrefix: prefix,
    enableExportServer: enable,
    exportAddr: { ip: str(addr, 'ip', '127.0.0.1'), port },
    refreshInterval: refresh,
    defaultBuckets: buckets(t, 'default_buckets', DEFAULT_BUCKETS),
    llmLatencyBuckets: buckets(t, 'llm_latency_buckets', DEFAULT_BUCKETS),
    llmPromptTokensBuckets: buckets(t, 'llm_prompt_tokens_buckets', DEFAULT_TOKEN_BUCKETS),
    llmCompletionTokensBuckets: buckets(t, 'llm_completion_tokens_buckets', DEFAULT_TOKEN_BUCKETS),
    aiCacheEmbeddingLatencyBuckets: buckets(t, 'ai_cache_embedding_latency_buckets', DEFAULT_BUCKETS),
    metrics: metricAttrs(t.metrics),
  };
}
