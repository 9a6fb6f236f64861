/**
 * The metric families Portico exports, with APISIX 3.18's names (before the prefix), help
 * texts, types, label names (extra labels appended) and buckets. Built once per process from
 * `plugin_attr.prometheus`.
 */
import type { PrometheusAttr } from './attr.js';
import { METRIC_LABELS } from './labels.js';

const PER_REQUEST = Object.keys(METRIC_LABELS);

export type FamilyType = 'counter' | 'gauge' | 'histogram';

export interface Family {
  /** Index in {@link Families.list}: what workers send instead of the name. */
  readonly index: number;
  /** Name without the prefix, e.g. `http_status`. */
  readonly name: string;
  /** Full exposed name, e.g. `apisix_http_status`. */
  readonly fullName: string;
  readonly help: string;
  readonly type: FamilyType;
  readonly labels: readonly string[];
  /** Upper bounds (histograms), increasing, without +Inf. */
  readonly buckets: readonly number[];
  /** Extra labels: the variable each reads, in label order after the built-in ones. */
  readonly extraVars: readonly string[];
  readonly expireMs: number;
}

export interface Families {
  readonly list: readonly Family[];
  readonly connections: Family;
  readonly requests: Family;
  readonly etcdReachable: Family;
  readonly nodeInfo: Family;
  readonly etcdModifyIndexes: Family;
  readonly upstreamStatus: Family;
  readonly status: Family;
  readonly latency: Family;
  readonly bandwidth: Family;
  readonly llmLatency: Family;
  readonly llmPromptTokens: Family;
  readonly llmCompletionTokens: Family;
  readonly llmActiveConnections: Family;
  readonly llmPromptTokensDist: Family;
  readonly llmCompletionTokensDist: Family;
  // ai-cache (issue 14)
  readonly aiCacheHits: Family;
  readonly aiCacheMisses: Family;
  readonly aiCacheBypasses: Family;
  readonly aiCacheEmbeddingLatency: Family;
}

/** Build every family from the validated attr (same input → same indexes in every process). */
export function buildFamilies(attr: PrometheusAttr): Families {
  const list: Family[] = [];
  const add = (
    name: string,
    help: string,
    type: FamilyType,
    labels: readonly string[],
    buckets: readonly number[] = [],
  ): Family => {
    const m = attr.metrics[name];
    // APISIX applies extra_labels to the per-request families only (expire to every family).
    const extra = (PER_REQUEST as readonly string[]).includes(name) ? (m?.extraLabels ?? []) : [];
    const f: Family = {
      index: list.length,
      name,
      fullName: attr.metricPrefix + name,
      help,
      type,
      labels: [...labels, ...extra.map((e) => e.name)],
      buckets,
      extraVars: extra.map((e) => e.variable),
      expireMs: (m?.expireSec ?? 0) * 1000,
    };
    list.push(f);
    return f;
  };
  const L = METRIC_LABELS;
  const fams = {
    connections: add('nginx_http_current_connections', 'Number of HTTP connections', 'gauge', ['state']),
    requests: add('http_requests_total', 'The total number of client requests since APISIX started', 'gauge', []),
    etcdReachable: add('etcd_reachable', 'Config server etcd reachable from APISIX, 0 is unreachable', 'gauge', []),
    nodeInfo: add('node_info', 'Info of APISIX node', 'gauge', ['hostname', 'version']),
    etcdModifyIndexes: add('etcd_modify_indexes', 'Etcd modify index for APISIX keys', 'gauge', ['key']),
    upstreamStatus: add('upstream_status', 'Upstream status from health check', 'gauge', ['name', 'ip', 'port']),
    status: add('http_status', 'HTTP status codes per service in APISIX', 'counter', L.http_status),
    latency: add(
      'http_latency',
      'HTTP request latency in milliseconds per service in APISIX',
      'histogram',
      L.http_latency,
      attr.defaultBuckets,
    ),
    bandwidth: add('bandwidth', 'Total bandwidth in bytes consumed per service in APISIX', 'counter', L.bandwidth),
    llmLatency: add('llm_latency', 'LLM request latency in milliseconds', 'histogram', L.llm_latency, attr.llmLatencyBuckets),
    llmPromptTokens: add('llm_prompt_tokens', 'LLM service consumed prompt tokens', 'counter', L.llm_prompt_tokens),
    llmCompletionTokens: add(
      'llm_completion_tokens',
      'LLM service consumed completion tokens',
      'counter',
      L.llm_completion_tokens,
    ),
    llmActiveConnections: add(
      'llm_active_connections',
      'Number of active connections to LLM service',
      'gauge',
      L.llm_active_connections,
    ),
    llmPromptTokensDist: add(
      'llm_prompt_tokens_dist',
      'LLM prompt tokens distribution per request',
      'histogram',
      L.llm_prompt_tokens_dist,
      attr.llmPromptTokensBuckets,
    ),
    llmCompletionTokensDist: add(
      'llm_completion_tokens_dist',
      'LLM completion tokens distribution per request',
      'histogram',
      L.llm_completion_tokens_dist,
      attr.llmCompletionTokensBuckets,
    ),
    // ai-cache (issue 14)
    aiCacheHits: add('ai_cache_hits_total', 'Total AI cache hits served, per cache layer', 'counter', L.ai_cache_hits_total),
    aiCacheMisses: add('ai_cache_misses_total', 'Total AI cache misses', 'counter', L.ai_cache_misses_total),
    aiCacheBypasses: add('ai_cache_bypasses_total', 'Total AI cache bypassed requests', 'counter', L.ai_cache_bypasses_total),
    aiCacheEmbeddingLatency: add(
      'ai_cache_embedding_latency',
      'Latency of AI cache embedding calls in milliseconds',
      'histogram',
      L.ai_cache_embedding_latency,
      attr.aiCacheEmbeddingLatencyBuckets,
    ),
  };
  return { list, ...fams };
}
