import { definePlugin } from '@portico/plugin-helpers';
import type { MaybePromise, Reply, RequestContext } from '@portico/plugin-sdk';
import { resolveCount } from '../ai-rate-limiting/quota.js';
import type { CounterState } from '../ai-rate-limiting/store/types.js';
import { resolveLimitKey } from '../limit-shared/limit-key.js';
import type { SlidingOutcome } from '../limit-shared/local-limits.js';
import { quotaHeaderNames } from './headers.js';
import { destroyLimitCount, LOCAL_KEY_PREFIX, prepareLimitCount, type LimitCountState, type PreparedRule } from './prepare.js';
import { redisFixedIncoming, redisSlidingIncoming } from './redis-store.js';
import { limitCountDefinition, type LimitCountConf } from './schema.js';
import { fixedOutcome, slidingOutcome, type CountOutcome } from './window.js';

const NAME = 'limit-count';
const FAILED = { status: 500, body: { error_msg: 'failed to limit count' } } as const;

interface ResolvedRule {
  rule: PreparedRule;
  count: number;
  window: number;
  key: string;
}

function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return v instanceof Promise;
}

function errorOutcome(err: unknown): CountOutcome {
  return { kind: 'error', error: err instanceof Error ? err.message : String(err) };
}

/** A count or time_window: numbers as they are, `${var}` templates resolved (error string on failure). */
function resolveNumber(v: number | string, ctx: RequestContext): number | string {
  return typeof v === 'number' ? v : resolveCount(v, (n) => ctx.vars.get(n));
}

/** init.lua get_rules in rules mode: every applicable rule resolved before any is counted. */
function resolveRules(state: LimitCountState, ctx: RequestContext): ResolvedRule[] | string {
  const out: ResolvedRule[] = [];
  for (const rule of state.rules) {
    const k = rule.ruleKey!.resolve((n) => ctx.vars.get(n));
    // A rule keyed on a variable this request lacks does not apply.
    if (k.resolved === 0) continue;
    const count = resolveNumber(rule.count, ctx);
    if (typeof count === 'string') return count;
    const window = resolveNumber(rule.timeWindow, ctx);
    if (typeof window === 'string') return window;
    out.push({ rule, count, window, key: k.value });
  }
  return out;
}

/** One rule against the conf's backend: add `cost` to `key`'s counter. */
function countOne(state: LimitCountState, count: number, window: number, full: string, cost: number): MaybePromise<CountOutcome> {
  const b = state.backend;
  try {
    if (b.kind === 'local-fixed') {
      const s = b.store.incoming(LOCAL_KEY_PREFIX + full, window, cost);
      if (!isPromise(s)) return fixedOutcome(count, window, s.consumed, s.ttlMs, s.consumed === cost);
      return s.then((c: CounterState) => fixedOutcome(count, window, c.consumed, c.ttlMs, c.consumed === cost), errorOutcome);
    }
    if (b.kind === 'local-sliding') {
      const s = b.tables.sliding(LOCAL_KEY_PREFIX + full, count, window, cost);
      if (!isPromise(s)) return slidingOutcome(count, window, s);
      return s.then((o: SlidingOutcome) => slidingOutcome(count, window, o), errorOutcome);
    }
    if (b.sliding)
      return redisSlidingIncoming(b.conn, full, count, window, cost).then((o) => slidingOutcome(count, window, o), errorOutcome);
    return redisFixedIncoming(b.conn, full, window, cost).then(
      (c) => fixedOutcome(count, window, c.consumed, c.ttlMs, false),
      errorOutcome,
    );
  } catch (err) {
    return errorOutcome(err);
  }
}

/** Apply one rule's outcome: $rate_limiting_info, headers, rejection or error (init.lua run_rate_limit tail). */
function settle(
  state: LimitCountState,
  ctx: RequestContext,
  rule: PreparedRule,
  count: number,
  full: string,
  o: CountOutcome,
): Reply | undefined {
  const { conf } = state;
  // core.utils.set_var_rate_limiting_info: %d fields, "rejected" and errors count as 0 remaining.
  const remaining = o.kind === 'pass' ? Math.trunc(o.remaining) : 0;
  const reset = o.kind === 'error' ? 0 : Math.trunc(o.reset);
  ctx.vars.set(
    'rate_limiting_info',
    `{"rate_limiting_key":"${full}","rate_limiting_limit":${Math.trunc(count)},"rate_limiting_remaining":${remaining},"rate_limiting_reset":${reset}}`,
  );
  if (o.kind === 'error') {
    ctx.logger.error(`failed to limit count: ${o.error}`);
    return conf.allow_degradation ? undefined : FAILED;
  }
  if (conf.show_limit_quota_header) {
    const h = quotaHeaderNames(ctx.pluginMetadata?.(NAME), rule.headerPrefix ?? '');
    ctx.respHeaders[h.limit] = String(count);
    ctx.respHeaders[h.remaining] = o.kind === 'pass' ? String(o.remaining) : '0';
    ctx.respHeaders[h.reset] = String(o.reset);
  }
  if (o.kind === 'pass') return undefined;
  return conf.rejected_msg
    ? { status: conf.rejected_code, body: { error_msg: conf.rejected_msg } }
    : { status: conf.rejected_code };
}

/** Rules from `i` on, in order, stopping at the first reply; synchronous while the backend is. */
function runFrom(state: LimitCountState, ctx: RequestContext, rules: ResolvedRule[], i: number): MaybePromise<Reply | undefined> {
  for (; i < rules.length; i++) {
    const r = rules[i]!;
    const full = state.keyPrefix + r.key;
    const o = countOne(state, r.count, r.window, full, 1);
    if (isPromise(o)) {
      const next = i + 1;
      return o.then((v) => settle(state, ctx, r.rule, r.count, full, v) ?? runFrom(state, ctx, rules, next));
    }
    const reply = settle(state, ctx, r.rule, r.count, full, o);
    if (reply !== undefined) return reply;
  }
  return undefined;
}

function noRules(state: LimitCountState, ctx: RequestContext, err: string): Reply | undefined {
  ctx.logger.error(`failed to get rate limit rules: ${err}`);
  return state.conf.allow_degradation ? undefined : { status: 500 };
}

/** init.lua rate_limit for one request (cost 1). */
export function rateLimit(state: LimitCountState, ctx: RequestContext): MaybePromise<Reply | undefined> {
  if (state.rulesMode) {
    const rules = resolveRules(state, ctx);
    if (typeof rules === 'string') return noRules(state, ctx, rules);
    if (rules.length === 0) return noRules(state, ctx, 'nil');
    return runFrom(state, ctx, rules, 0);
  }
  // Single rule: no per-request allocation beyond the key string (the hot path).
  const rule = state.rules[0]!;
  const count = resolveNumber(rule.count, ctx);
  if (typeof count === 'string') return noRules(state, ctx, count);
  const window = resolveNumber(rule.timeWindow, ctx);
  if (typeof window === 'string') return noRules(state, ctx, window);
  const full = state.keyPrefix + resolveLimitKey(rule.key, ctx);
  const o = countOne(state, count, window, full, 1);
  if (isPromise(o)) return o.then((v) => settle(state, ctx, rule, count, full, v));
  return settle(state, ctx, rule, count, full, o);
}

/** limit-count (priority 1002): fixed or sliding request counts per key, per pod or in Redis. */
export const limitCount = definePlugin<LimitCountConf, LimitCountState>(limitCountDefinition, {
  prepare: (conf, env) => prepareLimitCount(conf, env),
  destroy: destroyLimitCount,
  access: (ctx, state) => rateLimit(state, ctx),
});

export { limitCountDefinition, type LimitCountConf } from './schema.js';
export type { LimitCountState } from './prepare.js';
