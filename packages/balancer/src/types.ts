/** One balancer target: an ai-proxy-multi instance (or any named upstream node). */
export interface BalancerNode {
  /** Unique name; the balancer returns it. */
  readonly name: string;
  /** Integer ≥ 0 (APISIX `weight`, 0 = only used when nothing else can be). */
  readonly weight: number;
  /** Higher runs first (APISIX `priority`, default 0). */
  readonly priority?: number;
}

/**
 * A picker built once per (config revision × health state). `pick` skips names in `tried`
 * and returns undefined when every node it can serve has been tried; `exhaustedError` is then
 * APISIX's error string for that case.
 */
export interface Picker {
  pick(tried: ReadonlySet<string>, hashKey?: string): string | undefined;
  /** `all upstream servers tried` (one priority group) or `all servers tried` (several). */
  readonly exhaustedError: string;
  /** Node names this picker can return. */
  readonly names: readonly string[];
}

/** Errors the pickers report, exactly as apisix/balancer/*.lua words them. */
export const ALL_UPSTREAM_SERVERS_TRIED = 'all upstream servers tried';
export const ALL_SERVERS_TRIED = 'all servers tried';
