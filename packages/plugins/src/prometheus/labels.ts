/**
 * Label names of the per-request metrics, in APISIX 3.18's order
 * (apisix/plugins/prometheus/exporter.lua `metric_label_map`). The ai_cache_* families are fed
 * by the ai-cache plugin (prometheus/ai-cache.ts).
 */
export const METRIC_LABELS = {
  http_status: [
    'code',
    'route',
    'matched_uri',
    'matched_host',
    'service',
    'consumer',
    'node',
    'request_type',
    'request_llm_model',
    'llm_model',
    'response_source',
  ],
  http_latency: ['type', 'route', 'service', 'consumer', 'node', 'request_type', 'request_llm_model', 'llm_model'],
  bandwidth: ['type', 'route', 'service', 'consumer', 'node', 'request_type', 'request_llm_model', 'llm_model'],
  llm_latency: ['type', 'route_id', 'service_id', 'consumer', 'node', 'request_type', 'request_llm_model', 'llm_model'],
  llm_prompt_tokens: ['route_id', 'service_id', 'consumer', 'node', 'request_type', 'request_llm_model', 'llm_model'],
  llm_completion_tokens: ['route_id', 'service_id', 'consumer', 'node', 'request_type', 'request_llm_model', 'llm_model'],
  llm_active_connections: [
    'route',
    'route_id',
    'matched_uri',
    'matched_host',
    'service',
    'service_id',
    'consumer',
    'node',
    'request_type',
    'request_llm_model',
    'llm_model',
  ],
  llm_prompt_tokens_dist: ['route_id', 'service_id', 'consumer', 'node', 'request_type', 'request_llm_model', 'llm_model'],
  llm_completion_tokens_dist: ['route_id', 'service_id', 'consumer', 'node', 'request_type', 'request_llm_model', 'llm_model'],
  ai_cache_hits_total: [
    'layer',
    'route',
    'route_id',
    'service',
    'service_id',
    'consumer',
    'node',
    'request_type',
    'request_llm_model',
    'llm_model',
  ],
  ai_cache_misses_total: [
    'route',
    'route_id',
    'service',
    'service_id',
    'consumer',
    'node',
    'request_type',
    'request_llm_model',
    'llm_model',
  ],
  ai_cache_bypasses_total: [
    'route',
    'route_id',
    'service',
    'service_id',
    'consumer',
    'node',
    'request_type',
    'request_llm_model',
    'llm_model',
  ],
  ai_cache_embedding_latency: [
    'route',
    'route_id',
    'service',
    'service_id',
    'consumer',
    'node',
    'request_type',
    'request_llm_model',
    'llm_model',
  ],
} as const satisfies Record<string, readonly string[]>;

export type LabelledMetric = keyof typeof METRIC_LABELS;

/** Labels that define a series' identity and cannot be disabled (prometheus.lua `structural_labels`). */
export const STRUCTURAL_LABELS: Readonly<Partial<Record<LabelledMetric, readonly string[]>>> = {
  http_status: ['code'],
  http_latency: ['type'],
  bandwidth: ['type'],
  llm_latency: ['type'],
  ai_cache_hits_total: ['layer'],
};

/** Model names are client-supplied: label values are cut to this many bytes (APISIX #13637). */
export const MAX_MODEL_LABEL_LEN = 128;

/**
 * APISIX `model_to_label`: the first 128 bytes of the model name (Lua `string.sub` counts
 * bytes; a multi-byte character cut in half is dropped rather than left as a broken sequence).
 */
export function modelToLabel(v: string | undefined): string {
  if (v === undefined) return '';
  if (v.length <= MAX_MODEL_LABEL_LEN / 3) return v;
  const b = Buffer.from(v, 'utf8');
  if (b.length <= MAX_MODEL_LABEL_LEN) return v;
  let end = MAX_MODEL_LABEL_LEN;
  // Do not end inside a UTF-8 sequence: step back over continuation bytes.
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}
