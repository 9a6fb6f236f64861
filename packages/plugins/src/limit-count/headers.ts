import type { LimitCountMetadata } from './schema.js';

/** The three header names one rule reports. */
export interface QuotaHeaderNames {
  limit: string;
  remaining: string;
  reset: string;
}

export const DEFAULT_METADATA: LimitCountMetadata = {
  limit_header: 'X-RateLimit-Limit',
  remaining_header: 'X-RateLimit-Remaining',
  reset_header: 'X-RateLimit-Reset',
};

/** init.lua construct_rate_limiting_headers: a rule's prefix goes before the first "RateLimit-". */
function withPrefix(name: string, prefix: string): string {
  return name.replace('RateLimit-', () => `${prefix}-RateLimit-`);
}

// Names depend only on the (frozen, per-change) metadata object and the prefix: computed once each.
const cache = new WeakMap<object, Map<string, QuotaHeaderNames>>();
const defaultsCache = new Map<string, QuotaHeaderNames>();

/** Header names for `metadata` (undefined = defaults) and a rule prefix ('' = none). */
export function quotaHeaderNames(metadata: Readonly<Record<string, unknown>> | undefined, prefix: string): QuotaHeaderNames {
  let byPrefix = metadata === undefined ? defaultsCache : cache.get(metadata);
  if (byPrefix === undefined) cache.set(metadata!, (byPrefix = new Map()));
  let names = byPrefix.get(prefix);
  if (names === undefined) {
    const m = (metadata ?? DEFAULT_METADATA) as unknown as LimitCountMetadata;
    const base = { limit: m.limit_header, remaining: m.remaining_header, reset: m.reset_header };
    names =
      prefix === ''
        ? base
        : {
            limit: withPrefix(base.limit, prefix),
            remaining: withPrefix(base.remaining, prefix),
            reset: withPrefix(base.reset, prefix),
          };
    byPrefix.set(prefix, names);
  }
  return names;
}
