import { resolveVars } from '@portico/balancer';
import type { CounterState, CounterStore } from './store/types.js';

/** Header names one limit reports (X-AI-RateLimit-*-<instance> or X-AI-<prefix>-RateLimit-*). */
export interface QuotaHeaders {
  limit: string;
  remaining: string;
  reset: string;
}

/** One counter a request is checked against: key suffix, (possibly variable) limit and window. */
export interface QuotaSpec {
  key: string;
  limit: number | string;
  timeWindow: number | string;
  headers: QuotaHeaders;
}

/** A QuotaSpec with its variables resolved for the current request. */
export interface ResolvedQuota extends QuotaSpec {
  limit: number;
  timeWindow: number;
}

export type QuotaOutcome =
  | { kind: 'pass'; limit: number; remaining: number; reset: number }
  | { kind: 'rejected'; limit: number; reset: number }
  | { kind: 'error'; error: string };

/**
 * Resolve a `limit`/`time_window`/`count` value: numbers pass through, strings are
 * `${var ?? default}` templates that must yield a positive safe integer
 * (apisix/plugins/limit-count/init.lua `resolve_var`, same error strings).
 */
export function resolveCount(value: number | string, getVar: (n: string) => string | undefined): number | string {
  if (typeof value === 'number') return value;
  const { value: text } = resolveVars(value, getVar);
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) return 'resolved value is not a number';
  if (n <= 0) return `resolved value must be a positive number, got: ${n}`;
  if (!Number.isInteger(n)) return `resolved value must be an integer, got: ${n}`;
  if (n > Number.MAX_SAFE_INTEGER) return `resolved value exceeds safe integer range (2^53-1), got: ${n}`;
  return n;
}

/** Resolve a spec's variables; a string result is the error. */
export function resolveSpec(spec: QuotaSpec, getVar: (n: string) => string | undefined): ResolvedQuota | string {
  const limit = resolveCount(spec.limit, getVar);
  if (typeof limit === 'string') return limit;
  const timeWindow = resolveCount(spec.timeWindow, getVar);
  if (typeof timeWindow === 'string') return timeWindow;
  return { ...spec, limit, timeWindow };
}

/**
 * Run one quota against the store. A dry run reads with cost 0 and rejects when fewer than
 * `cost` tokens remain, reporting `remaining − cost` like resty.limit.count's uncommitted
 * `incoming`; a commit adds `cost` and may drive the remaining negative (the next dry run
 * then rejects). Reset is the window's seconds left, or the full window before it opens.
 */
export async function runQuota(
  store: CounterStore,
  fullKey: string,
  q: ResolvedQuota,
  cost: number,
  dryRun: boolean,
): Promise<QuotaOutcome> {
  let state: CounterState;
  try {
    state = await store.incoming(fullKey, q.timeWindow, dryRun ? 0 : cost);
  } catch (err) {
    return { kind: 'error', error: err instanceof Error ? err.message : String(err) };
  }
  const reset = state.ttlMs < 0 ? q.timeWindow : Math.ceil(state.ttlMs / 1000);
  const remaining = q.limit - state.consumed - (dryRun ? cost : 0);
  if (remaining < 0) return { kind: 'rejected', limit: q.limit, reset };
  return { kind: 'pass', limit: q.limit, remaining, reset };
}
