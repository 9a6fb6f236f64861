/**
 * consumer-restriction runtime (apisix/plugins/consumer-restriction.lua): allow or refuse a
 * request by the authenticated consumer's name or group, or by the route or service id, in the
 * access phase (after authentication and the consumer merge).
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { consumerRestrictionDefinition, type ConsumerRestrictionConf, type RestrictionType } from './schema.js';

interface RestrictionState {
  value: (ctx: RequestContext) => string | undefined;
  blacklist: ReadonlySet<string> | undefined;
  whitelist: ReadonlySet<string> | undefined;
  /** Per user, the methods allowed (first entry for a user wins, as APISIX scans in order). */
  methods: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  rejected: Reply;
  missing: Reply;
}

const VALUE: Readonly<Record<RestrictionType, (ctx: RequestContext) => string | undefined>> = {
  consumer_name: (ctx) => ctx.consumer?.username,
  consumer_group_id: (ctx) => ctx.consumer?.groupId,
  route_id: (ctx) => ctx.routeId,
  service_id: (ctx) => ctx.vars.get('service_id'),
};

function nonEmptySet(list: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return list !== undefined && list.length > 0 ? new Set(list) : undefined;
}

export const consumerRestriction = definePlugin<ConsumerRestrictionConf, RestrictionState>(consumerRestrictionDefinition, {
  prepare(c) {
    const type = c.type ?? 'consumer_name';
    let methods: Map<string, ReadonlySet<string>> | undefined;
    if (c.allowed_by_methods !== undefined && c.allowed_by_methods.length > 0) {
      methods = new Map();
      for (const rule of c.allowed_by_methods) {
        // An entry without `user` matches no value (APISIX compares user == value).
        if (rule.user !== undefined && !methods.has(rule.user)) methods.set(rule.user, new Set(rule.methods ?? []));
      }
    }
    return {
      value: VALUE[type],
      blacklist: nonEmptySet(c.blacklist),
      whitelist: nonEmptySet(c.whitelist),
      methods,
      rejected: { status: c.rejected_code ?? 403, body: { message: c.rejected_msg ?? `The ${type} is forbidden.` } },
      missing: { status: 401, body: { message: `The request is rejected, please check the ${type} for this request` } },
    };
  },
  access(ctx, s) {
    const value = s.value(ctx);
    if (value === undefined) return { ...s.missing };
    if (s.blacklist?.has(value)) return { ...s.rejected };
    let block = false;
    let whitelisted = false;
    if (s.whitelist !== undefined) {
      whitelisted = s.whitelist.has(value);
      if (!whitelisted) block = true;
    }
    if (s.methods !== undefined && !whitelisted) {
      const allowed = s.methods.get(value);
      if (allowed !== undefined && !allowed.has(ctx.method)) block = true;
    }
    return block ? { ...s.rejected } : undefined;
  },
});
