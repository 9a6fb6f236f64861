import type { MaybePromise } from '@portico/plugin-sdk';

/** Result of a leaky-bucket step: the excess after it (×1000 units), or a rejection. */
export type LeakyOutcome = { excess: number } | 'rejected';

/** Result of a sliding-window step (apisix/plugins/limit-count/sliding-window). */
export interface SlidingOutcome {
  accepted: boolean;
  /** Count of the current window (after the increment when accepted). */
  count: number;
  /** Count of the previous window, capped at the limit. */
  last: number;
  /** Seconds left in the current window. */
  remainingTime: number;
}

/**
 * The `policy: local` state of limit-req, limit-conn and sliding-window limit-count: one
 * set per pod (APISIX: the plugin-limit-req / plugin-limit-conn / plugin-limit-count
 * lua_shared_dicts of a node). Implemented in-process by {@link LocalLimits} and over IPC
 * to the cluster primary by SharedLimitsClient.
 */
export interface LimitTables {
  /** resty.limit.req `incoming(key, commit)`; rate and burst are ×1000 as resty stores them. */
  leaky(key: string, rate: number, burst: number, commit: boolean): MaybePromise<LeakyOutcome>;
  /** resty.limit.conn `incoming(key, true)`: the connection count with this one, or rejected above `max`. */
  connIn(key: string, max: number): MaybePromise<number | 'rejected'>;
  /** resty.limit.conn `leaving(key)`: the count after this connection left. */
  connOut(key: string): MaybePromise<number>;
  /** One sliding-window step: accept (and add `cost`) unless the weighted count reaches `limit`. */
  sliding(key: string, limit: number, windowSec: number, cost: number): MaybePromise<SlidingOutcome>;
}

interface Bucket {
  excess: number;
  last: number;
}

interface WindowCount {
  count: number;
  expiresAt: number;
}

/** In-process {@link LimitTables}; `now` in milliseconds (injectable for tests). */
export class LocalLimits implements LimitTables {
  private readonly buckets = new Map<string, Bucket & { rate: number }>();
  private readonly conns = new Map<string, number>();
  private readonly windows = new Map<string, WindowCount>();
  private ops = 0;

  constructor(private readonly now: () => number = Date.now) {}

  leaky(key: string, rate: number, burst: number, commit: boolean): LeakyOutcome {
    const now = this.now();
    if (++this.ops % 1024 === 0) this.sweep(now);
    const b = this.buckets.get(key);
    let excess = 0;
    if (b !== undefined) {
      excess = Math.max(b.excess - (rate * Math.abs(now - b.last)) / 1000 + 1000, 0);
      if (excess > burst) return 'rejected';
    }
    if (commit) {
      // resty.limit.req keeps excess in a uint64_t field: the fraction is dropped on store.
      const stored = Math.trunc(excess);
      if (b === undefined) this.buckets.set(key, { excess: stored, last: now, rate });
      else {
        b.excess = stored;
        b.last = now;
        b.rate = rate;
      }
    }
    return { excess };
  }

  connIn(key: string, max: number): number | 'rejected' {
    const conn = (this.conns.get(key) ?? 0) + 1;
    if (conn > max) return 'rejected';
    this.conns.set(key, conn);
    return conn;
  }

  connOut(key: string): number {
    const conn = (this.conns.get(key) ?? 0) - 1;
    if (conn <= 0) this.conns.delete(key);
    else this.conns.set(key, conn);
    return conn;
  }

  sliding(key: string, limit: number, windowSec: number, cost: number): SlidingOutcome {
    const nowMs = this.now();
    if (++this.ops % 1024 === 0) this.sweep(nowMs);
    const now = nowMs / 1000;
    const id = Math.floor(now / windowSec);
    const curKey = `${key}.${id}.counter`;
    const remainingTime = windowSec - (now % windowSec);
    const last = Math.min(this.windowCount(`${key}.${id - 1}.counter`, nowMs), limit);
    const cur = this.windowCount(curKey, nowMs);
    if (cur >= limit || (last / windowSec) * remainingTime + cur >= limit) {
      return { accepted: false, count: cur, last, remainingTime };
    }
    const e = this.windows.get(curKey);
    if (e !== undefined && e.expiresAt > nowMs) e.count += cost;
    else this.windows.set(curKey, { count: cost, expiresAt: nowMs + windowSec * 2000 });
    return { accepted: true, count: cur + cost, last, remainingTime };
  }

  /** Connections counted under `key` (for tests and diagnostics). */
  connections(key: string): number {
    return this.conns.get(key) ?? 0;
  }

  private windowCount(key: string, nowMs: number): number {
    const e = this.windows.get(key);
    return e !== undefined && e.expiresAt > nowMs ? e.count : 0;
  }

  /** Drop buckets that fully drained and expired windows, so idle keys do not accumulate. */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.excess + 1000 - (b.rate * (now - b.last)) / 1000 <= 0) this.buckets.delete(k);
    }
    for (const [k, w] of this.windows) if (w.expiresAt <= now) this.windows.delete(k);
  }
}
