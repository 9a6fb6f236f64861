/**
 * traffic-split definition (apisix/plugins/traffic-split.lua): schema (inline upstreams use the
 * core upstream schema), priority and the `vars` expression check. The runtime (access hook)
 * lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { exprError, idSchema, upstreamSchema } from '@portico/schemas';

export interface WeightedUpstreamConf {
  upstream_id?: string | number;
  upstream?: Record<string, unknown>;
  weight: number;
}

export interface TrafficSplitRuleConf {
  match?: { vars?: unknown }[];
  weighted_upstreams: WeightedUpstreamConf[];
}

export interface TrafficSplitConf {
  rules?: TrafficSplitRuleConf[];
}

const weightedUpstreamsSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      upstream_id: idSchema,
      upstream: upstreamSchema,
      weight: {
        description: 'used to split traffic between different upstreams for plugin configuration',
        type: 'integer',
        default: 1,
        minimum: 0,
      },
    },
  },
  // Without an upstream, a weighted entry sends its share to the route's own upstream.
  default: [{ weight: 1 }],
  minItems: 1,
  maxItems: 20,
};

export const trafficSplitDefinition: PluginDefinition<TrafficSplitConf> = {
  name: 'traffic-split',
  version: 0.1,
  priority: 966,
  schema: {
    type: 'object',
    properties: {
      rules: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            match: { type: 'array', items: { type: 'object', properties: { vars: { type: 'array' } } } },
            weighted_upstreams: weightedUpstreamsSchema,
          },
        },
      },
    },
  },
  check(conf) {
    for (const rule of conf.rules ?? []) {
      for (const m of rule.match ?? []) {
        const err = exprError(m.vars);
        if (err !== undefined) return `failed to validate the 'vars' expression: ${err}`;
      }
    }
    return undefined;
  },
};
