/**
 * prometheus plugin runtime (apisix/plugins/prometheus.lua + prometheus/exporter.lua
 * http_log). The log hook records the request in this worker's cells; the cluster primary
 * owns the pod's totals and serves them (./exporter.ts).
 */
import { definePlugin } from '@portico/plugin-helpers';
import { Observer } from './observe.js';
import { prometheusRuntime } from './runtime.js';
import { prometheusDefinition, type PrometheusConf } from './schema.js';

interface PrometheusState {
  observer: Observer;
  /** A global rule's instance steps aside when the route has its own (run_policy prefer_route). */
  global: boolean;
}

export const prometheus = definePlugin<PrometheusConf, PrometheusState>(prometheusDefinition, {
  prepare(conf, env) {
    return { observer: new Observer(prometheusRuntime(), conf.prefer_name === true), global: env.scope === 'global_rule' };
  },
  log(ctx, state) {
    if (state.global && ctx.plugins.has('prometheus')) return;
    state.observer.log(ctx);
  },
});

export { startPrometheusExporter, type PrometheusExporter, type ExporterOptions } from './exporter.js';
export { initPrometheusWorker, type WorkerMetrics } from './runtime.js';
export type { NodeStats, NodeStatsProvider } from './node-stats.js';
export { parsePrometheusAttr, PrometheusAttrError, type PrometheusAttr } from './attr.js';
export { trackLlmActive, untrackLlmActive } from './active.js';
