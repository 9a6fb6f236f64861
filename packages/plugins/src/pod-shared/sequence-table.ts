interface Entry {
  next: number;
  usedAt: number;
}

/** Sequences unused this long are dropped (a later use restarts them at a random position). */
export const SEQUENCE_IDLE_MS = 10 * 60_000;

/** Largest random start: any phase of any round-robin period below it. */
const START_RANGE = 1 << 20;

/**
 * Named sequence numbers, the pod's one copy (held by the cluster primary). A new key starts
 * at a random number, as resty.roundrobin starts each picker at a random node, so that pods
 * do not all send their first request to the same instance. Keys carry the conf identity, so
 * every config revision that changes the conf makes new keys: idle ones are swept.
 */
export class SequenceTable {
  private readonly entries = new Map<string, Entry>();
  private ops = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next number of sequence `key` (a non-negative integer). */
  next(key: string): number {
    const now = this.now();
    if (++this.ops % 1024 === 0) this.sweep(now);
    let e = this.entries.get(key);
    if (e === undefined) this.entries.set(key, (e = { next: Math.floor(this.random() * START_RANGE), usedAt: now }));
    e.usedAt = now;
    const n = e.next;
    // Wrap long before 2^53: a one-off phase jump, never a non-integer position.
    e.next = n >= Number.MAX_SAFE_INTEGER - 1 ? 0 : n + 1;
    return n;
  }

  /** Sequences currently held (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    for (const [k, e] of this.entries) if (now - e.usedAt >= SEQUENCE_IDLE_MS) this.entries.delete(k);
  }
}
