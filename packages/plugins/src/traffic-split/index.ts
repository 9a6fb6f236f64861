/**
 * traffic-split runtime (apisix/plugins/traffic-split.lua, access phase, priority 966): the
 * first rule whose `match` holds (or that has none) splits requests across its weighted
 * upstreams by weighted round robin; an entry without upstream keeps the route's upstream.
 * The core proxy then uses the chosen upstream with the data plane's pools, node pickers,
 * retries and the route's `timeout`.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { prepareTrafficSplit, type PreparedRule, type TrafficSplitState } from './prepare.js';
import { trafficSplitDefinition, type TrafficSplitConf } from './schema.js';

const NO_TRIED: ReadonlySet<string> = new Set();

function missingUpstream(ctx: RequestContext, id: string): Reply {
  ctx.logger.error(`failed to find upstream by id: ${id}`);
  return { status: 500, body: `failed to fetch upstream info by upstream id: ${id}` };
}

/** traffic-split.lua access: the rule in effect, or a Reply when a named upstream is missing. */
function selectRule(ctx: RequestContext, rules: readonly PreparedRule[]): PreparedRule | Reply | undefined {
  // As in APISIX, a rule whose `match` is an empty list inherits the previous rule's outcome.
  let matched = true;
  for (const rule of rules) {
    for (const id of rule.upstreamIds) if (!ctx.hasUpstream!(id)) return missingUpstream(ctx, id);
    if (rule.match === undefined) return rule;
    for (const m of rule.match) {
      matched = m.eval(ctx.vars);
      if (matched) break;
    }
    if (matched) return rule;
  }
  return undefined;
}

export const trafficSplit = definePlugin<TrafficSplitConf, TrafficSplitState>(trafficSplitDefinition, {
  prepare: prepareTrafficSplit,
  destroy(state) {
    for (const u of state.owned) u.close();
  },
  access(ctx, state) {
    if (state.rules.length === 0) return undefined;
    if (ctx.selectUpstream === undefined || ctx.hasUpstream === undefined) {
      ctx.logger.error('traffic-split: this request context cannot choose upstreams');
      return { status: 500 };
    }
    const rule = selectRule(ctx, state.rules);
    if (rule === undefined) return undefined;
    if (!('picker' in rule)) return rule;
    const name = rule.picker.pick(NO_TRIED);
    ctx.selectUpstream(name === undefined ? { kind: 'route' } : rule.targets[Number(name)]!);
    return undefined;
  },
});
