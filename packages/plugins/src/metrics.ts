/**
 * The prometheus plugin's process-level pieces (`@portico/plugins/metrics`): the pod's exporter,
 * hosted by the data plane's cluster primary, and each worker's metrics agent, fed by the data
 * plane's node statistics.
 */
export {
  initPrometheusWorker,
  startPrometheusExporter,
  PrometheusAttrError,
  type ExporterOptions,
  type NodeStats,
  type NodeStatsProvider,
  type PrometheusExporter,
  type WorkerMetrics,
} from './prometheus/index.js';
