/**
 * Counts requests per config epoch (one epoch per published snapshot) so that plugin state a
 * new snapshot dropped — connection pools, Redis clients, batch processors, health checkers —
 * is destroyed only once no request that started on an older snapshot can still use it. (In
 * APISIX old confs simply stay alive until Lua's GC collects them after their last request.)
 * Cost per request: two small-map updates.
 */
export class Inflight {
  private epoch = 0;
  private readonly counts = new Map<number, number>();
  private readonly pending: { upTo: number; run: () => void }[] = [];

  /** A request starts on the current snapshot; pass the result to `leave`. */
  enter(): number {
    const e = this.epoch;
    this.counts.set(e, (this.counts.get(e) ?? 0) + 1);
    return e;
  }

  /** The request that entered at `epoch` has finished (log phase included). */
  leave(epoch: number): void {
    const n = (this.counts.get(epoch) ?? 1) - 1;
    if (n <= 0) this.counts.delete(epoch);
    else this.counts.set(epoch, n);
    if (this.pending.length > 0) this.flush();
  }

  /**
   * A new snapshot was published. `retire` runs once every request that started before
   * this call has finished (at once when none is in flight).
   */
  advance(retire?: () => void): void {
    if (retire) this.pending.push({ upTo: this.epoch, run: retire });
    this.epoch++;
    this.flush();
  }

  /** Requests currently in flight (diagnostics and tests). */
  get size(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      for (const e of this.counts.keys()) if (e <= head.upTo) return;
      this.pending.shift();
      head.run();
    }
  }
}
