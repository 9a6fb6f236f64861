import type { CounterState, CounterStore } from './types.js';

interface Entry {
  consumed: number;
  expiresAt: number;
}

/** In-process fixed-window counters (ngx shared dict equivalent, one per pod). */
export class LocalCounterStore implements CounterStore {
  private readonly entries = new Map<string, Entry>();
  private ops = 0;

  constructor(private readonly now: () => number = Date.now) {}

  incoming(key: string, windowSec: number, cost: number): CounterState {
    const now = this.now();
    if (++this.ops % 1024 === 0) this.sweep(now);
    let e = this.entries.get(key);
    if (e && e.expiresAt <= now) {
      this.entries.delete(key);
      e = undefined;
    }
    if (!e) {
      if (cost === 0) return { consumed: 0, ttlMs: -1 };
      e = { consumed: 0, expiresAt: now + windowSec * 1000 };
      this.entries.set(key, e);
    }
    e.consumed += cost;
    return { consumed: e.consumed, ttlMs: e.expiresAt - now };
  }

  /** Drop expired windows so idle keys do not accumulate. */
  private sweep(now: number): void {
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }

  release(): void {
    // Process-wide singleton: counters outlive config revisions (keys carry the conf hash).
  }
}

/** The pod's single local store, shared by every ai-rate-limiting conf. */
export const localCounterStore = new LocalCounterStore();
