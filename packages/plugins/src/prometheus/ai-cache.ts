import type { RequestContext } from '@portico/plugin-sdk';
import type { Family } from './families.js';
import type { PrometheusRuntime } from './runtime.js';
import type { AiLabels } from './request-labels.js';

/** ctx.shared keys the ai-cache plugin sets (APISIX ctx.ai_cache_*). */
const STATUS = 'ai_cache_status';
const HIT_LAYER = 'ai_cache_hit_layer';
const EMBEDDING_LATENCY = 'ai_cache_embedding_latency';

type Disabled = ReadonlyMap<string, ReadonlySet<number>>;

/**
 * APISIX exporter `http_log` tail for ai-cache: one of ai_cache_{hits,misses,bypasses}_total
 * by the request's cache status (hits carry the `layer` label first), and the embedding call's
 * duration in ai_cache_embedding_latency. The `route` / `service` labels are the route's and
 * service's *names* ("" when unnamed), next to their ids.
 */
export function observeAiCache(
  rt: PrometheusRuntime,
  ctx: RequestContext,
  disabled: Disabled,
  consumer: string,
  node: string,
  ai: AiLabels,
): void {
  const status = ctx.shared.get(STATUS);
  const latency = ctx.shared.get(EMBEDDING_LATENCY);
  if (status === undefined && latency === undefined) return;
  const f = rt.families;
  const routeId = ctx.routeId ?? '';
  const serviceId = routeId === '' ? '' : (ctx.vars.get('service_id') ?? '');
  const base = [
    routeId === '' ? '' : (ctx.vars.get('route_name') ?? ''),
    routeId,
    serviceId === '' ? '' : (ctx.vars.get('service_name') ?? ''),
    serviceId,
    consumer,
    node,
    ai.requestType,
    ai.requestModel,
    ai.model,
  ];
  const labels = (fam: Family, lead: string[] = []): string[] => {
    const v = [...lead, ...base, ...fam.extraVars.map((n) => ctx.vars.get(n) ?? '')];
    const off = disabled.get(fam.name);
    if (off !== undefined) for (const i of off) v[i] = '';
    return v;
  };
  const rec = rt.recorder;
  if (status === 'HIT') {
    const layer = ctx.shared.get(HIT_LAYER);
    rec.inc(rec.counter(f.aiCacheHits, labels(f.aiCacheHits, [typeof layer === 'string' ? layer : 'exact'])), 1);
  } else if (status === 'MISS') {
    rec.inc(rec.counter(f.aiCacheMisses, labels(f.aiCacheMisses)), 1);
  } else if (status === 'BYPASS') {
    rec.inc(rec.counter(f.aiCacheBypasses, labels(f.aiCacheBypasses)), 1);
  }
  if (typeof latency === 'number')
    rec.observe(rec.histogram(f.aiCacheEmbeddingLatency, labels(f.aiCacheEmbeddingLatency)), latency);
}
