import type { SlidingOutcome } from '../limit-shared/local-limits.js';

/** One rule's outcome for this request (resty.limit.count's delay/remaining/reset, read by init.lua). */
export type CountOutcome =
  | { kind: 'pass'; remaining: number; reset: number }
  | { kind: 'rejected'; reset: number }
  | { kind: 'error'; error: string };

/** init.lua rounds the reset down to two decimals before writing the header. */
export function roundReset(reset: number): number {
  return Math.floor(reset * 100) / 100;
}

/**
 * A fixed window after adding `cost`: `consumed` in the window, `ttlMs` left (limit-count-local
 * `incoming`: the request that opened the window reports the whole window as its reset; the
 * Redis script reports the key's PTTL).
 */
export function fixedOutcome(limit: number, windowSec: number, consumed: number, ttlMs: number, opened: boolean): CountOutcome {
  const remaining = limit - consumed;
  const reset = roundReset(opened ? windowSec : Math.max(ttlMs, 0) / 1000);
  return remaining < 0 ? { kind: 'rejected', reset } : { kind: 'pass', remaining, reset };
}

/** sliding-window.lua round_off_decimal_places: up to two decimals. */
function ceil2(x: number): number {
  return Math.ceil(x * 100) / 100;
}

/**
 * A sliding-window step's outcome (apisix/plugins/limit-count/sliding-window/sliding-window.lua
 * `incoming`): the previous window weighs in by the share of it still overlapping.
 */
export function slidingOutcome(limit: number, windowSec: number, s: SlidingOutcome): CountOutcome {
  const lastRate = s.last / windowSec;
  if (!s.accepted) {
    if (s.count >= limit) return { kind: 'rejected', reset: roundReset(ceil2(s.remainingTime)) };
    const desired = lastRate === 0 ? s.remainingTime : Math.max(s.remainingTime - (limit - s.count) / lastRate, 0);
    return { kind: 'rejected', reset: roundReset(ceil2(desired)) };
  }
  const remaining = Math.floor(limit - s.count - lastRate * s.remainingTime);
  return { kind: 'pass', remaining, reset: roundReset(ceil2(s.remainingTime)) };
}
