import type { MaybePromise } from '@portico/plugin-sdk';

/** State of one fixed-window counter after an `incoming` call. */
export interface CounterState {
  /** Tokens consumed in the current window (after adding the cost). */
  consumed: number;
  /** Milliseconds until the window resets; -1 when no window exists yet. */
  ttlMs: number;
}

/**
 * A fixed-window token counter store. `incoming(key, windowSec, cost)` atomically adds
 * `cost` (0 = read only) and returns the new state; the window opens with the first
 * positive cost (APISIX 3.16 local semantics: dry runs never create a window).
 * Implementations: in-process (`policy: local`, per pod) and Redis (`redis`,
 * `redis-cluster`, shared by every pod). Errors reject/throw; callers apply
 * `allow_degradation` — a store never falls back to another store silently.
 */
export interface CounterStore {
  incoming(key: string, windowSec: number, cost: number): MaybePromise<CounterState>;
  /** Release connections/timers held by this handle. */
  release(): void;
}
