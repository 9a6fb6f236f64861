import { confId } from '../pod-shared/conf-id.js';
import type { QuotaSpec } from './quota.js';
import type { AiRateLimitingConf } from './schema.js';
import { RedisCounterStore } from './store/redis.js';
import { localPolicyStore } from './store/select.js';
import type { CounterStore } from './store/types.js';

/** Everything a request needs, derived once per config revision. */
export interface AiRateLimitingState {
  conf: AiRateLimitingConf;
  store: CounterStore;
  /** `<resource key>:<crc32 of the conf>:` — counters reset when the conf changes (as in APISIX). */
  keyPrefix: string;
  /** rules mode: one spec per rule, key still a template. */
  rules: (QuotaSpec & { index: number })[] | undefined;
  /** Instance-mode limit for an instance name (explicit entry, else the global limit). */
  instanceQuota(name: string): QuotaSpec | undefined;
}

function instanceHeaders(name: string) {
  return {
    limit: `X-AI-RateLimit-Limit-${name}`,
    remaining: `X-AI-RateLimit-Remaining-${name}`,
    reset: `X-AI-RateLimit-Reset-${name}`,
  };
}

/** Build the per-revision state (apisix/plugins/ai-rate-limiting.lua transform_limit_conf). */
export function prepareState(conf: AiRateLimitingConf, resourceKey: string): AiRateLimitingState {
  const store = conf.policy === 'local' ? localPolicyStore() : RedisCounterStore.acquire(conf);
  const keyPrefix = `${resourceKey}:${confId(conf)}:`;
  if (conf.rules && conf.rules.length > 0) {
    const rules = conf.rules.map((r, i) => {
      const prefix = r.header_prefix ?? String(i + 1);
      return {
        index: i,
        key: r.key,
        limit: r.count,
        timeWindow: r.time_window,
        headers: {
          limit: `X-AI-${prefix}-RateLimit-Limit`,
          remaining: `X-AI-${prefix}-RateLimit-Remaining`,
          reset: `X-AI-${prefix}-RateLimit-Reset`,
        },
      };
    });
    return { conf, store, keyPrefix, rules, instanceQuota: () => undefined };
  }
  const explicit = new Map<string, QuotaSpec>();
  for (const i of conf.instances ?? []) {
    explicit.set(i.name, {
      key: `instance:${i.name}`,
      limit: i.limit,
      timeWindow: i.time_window,
      headers: instanceHeaders(i.name),
    });
  }
  const globals = new Map<string, QuotaSpec>();
  return {
    conf,
    store,
    keyPrefix,
    rules: undefined,
    instanceQuota(name) {
      const e = explicit.get(name);
      if (e) return e;
      if (conf.limit === undefined || conf.time_window === undefined) return undefined;
      // The global limit applies per instance (APISIX's conf hash includes the instance's
      // header names, so each instance gets its own "#global" counter). Memoised: the set
      // of instance names a route sees is small and fixed.
      let g = globals.get(name);
      if (!g) {
        g = { key: `global:${name}`, limit: conf.limit, timeWindow: conf.time_window, headers: instanceHeaders(name) };
        globals.set(name, g);
      }
      return g;
    },
  };
}
