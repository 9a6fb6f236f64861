import type { JsonSchema } from '@portico/plugin-sdk';

/**
 * Response-side fields APISIX 3.17–3.18 added to both ai-proxy and ai-proxy-multi
 * (apisix/plugins/ai-proxy/schema.lua): runaway-upstream caps and the SSE flush interval.
 * Both caps are unset by default (no cap).
 */
export const responseLimitProperties: Record<string, JsonSchema> = {
  max_stream_duration_ms: { type: 'integer', minimum: 1 },
  max_response_bytes: { type: 'integer', minimum: 1 },
  streaming_flush_interval_ms: { type: 'integer', minimum: 0, default: 10 },
};

/** The conf fields of {@link responseLimitProperties} after schema defaults. */
export interface ResponseLimitsConf {
  max_stream_duration_ms?: number;
  max_response_bytes?: number;
  /** Schema default 10 (also when absent, e.g. a conf built in code); 0 writes every chunk at once. */
  streaming_flush_interval_ms?: number;
}
