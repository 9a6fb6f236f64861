/**
 * What the data plane reports about itself for the node-level families (nginx stub_status
 * counters, etcd sync state). The data plane registers a provider; the metrics agent reads it
 * at every report.
 */
export interface NodeStats {
  /** nginx_http_current_connections: active, reading, writing, waiting, accepted, handled. */
  connections: { active: number; reading: number; writing: number; waiting: number; accepted: number; handled: number };
  /** http_requests_total: requests received since the process started. */
  requests: number;
  /**
   * etcd state, absent in standalone mode (APISIX exports the etcd families only when the
   * config provider is etcd): whether the config sync currently gets answers, and the highest
   * mod revision per APISIX key (routes, services, …) plus x_etcd_index.
   */
  etcd?: { reachable: boolean; indexes: Readonly<Record<string, number>> };
}

export type NodeStatsProvider = () => NodeStats;
