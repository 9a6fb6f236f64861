/**
 * traffic-split state, derived once per config revision: compiled `match` expressions, one
 * weighted round robin per rule (resty.roundrobin over its weighted_upstreams, as APISIX keeps
 * one per rule) and the inline upstreams prepared by the data plane (pools, node pickers).
 */
import { RoundRobinPicker, type Picker } from '@portico/balancer';
import type { PreparedUpstream, PrepareEnv, UpstreamTarget } from '@portico/plugin-sdk';
import { compileExpr, type CompiledExpr } from '@portico/schemas';
import type { TrafficSplitConf, TrafficSplitRuleConf, WeightedUpstreamConf } from './schema.js';

export interface PreparedRule {
  /** Alternatives (any may hold); undefined when the rule has no `match` (it always applies). */
  match: readonly CompiledExpr[] | undefined;
  /** `upstream_id`s this rule names: each must exist whenever the rule is looked at. */
  upstreamIds: readonly string[];
  /** Targets by picker name (their index). */
  targets: readonly UpstreamTarget[];
  picker: Picker;
}

export interface TrafficSplitState {
  rules: readonly PreparedRule[];
  /** Inline upstreams to close on destroy. */
  owned: readonly PreparedUpstream[];
}

const ROUTE_UPSTREAM: UpstreamTarget = { kind: 'route' };

/**
 * The upstream traffic-split.lua set_upstream builds from an inline one: only these fields are
 * kept (retries, checks, keepalive_pool and tls are not carried over).
 */
const CARRIED_FIELDS = ['name', 'type', 'hash_on', 'pass_host', 'upstream_host', 'key', 'nodes', 'timeout', 'scheme'] as const;

function carried(upstream: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of CARRIED_FIELDS) if (upstream[f] !== undefined) out[f] = upstream[f];
  return out;
}

function target(w: WeightedUpstreamConf, env: PrepareEnv, owned: PreparedUpstream[]): UpstreamTarget {
  if (w.upstream_id !== undefined) return { kind: 'id', id: String(w.upstream_id) };
  if (w.upstream !== undefined) {
    const factory = env.services.upstreams;
    if (factory === undefined) throw new Error('traffic-split: this node cannot prepare upstreams');
    const upstream = factory.create(carried(w.upstream));
    owned.push(upstream);
    return { kind: 'prepared', upstream };
  }
  return ROUTE_UPSTREAM;
}

function prepareRule(rule: TrafficSplitRuleConf, env: PrepareEnv, owned: PreparedUpstream[]): PreparedRule {
  const weighted = rule.weighted_upstreams;
  return {
    match: rule.match?.map((m) => compileExpr(m.vars)),
    upstreamIds: weighted.filter((w) => w.upstream_id !== undefined).map((w) => String(w.upstream_id)),
    targets: weighted.map((w) => target(w, env, owned)),
    picker: new RoundRobinPicker(weighted.map((w, i) => ({ name: String(i), weight: w.weight }))),
  };
}

/** Build the state; closes what it already prepared when a later rule fails. */
export function prepareTrafficSplit(conf: TrafficSplitConf, env: PrepareEnv): TrafficSplitState {
  const owned: PreparedUpstream[] = [];
  try {
    return { rules: (conf.rules ?? []).map((r) => prepareRule(r, env, owned)), owned };
  } catch (e) {
    for (const u of owned) u.close();
    throw e;
  }
}
