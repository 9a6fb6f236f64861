import type { MultiInstanceConf } from './schema.js';

/** Smoothing of the TTFT average: each sample weighs 30 %. */
const ALPHA = 0.3;

/**
 * Per-worker load figures of one conf's instances: requests in flight and an EWMA of
 * time to first token (ms). A failed attempt counts as a slow one, so a fast-failing
 * instance does not look like the quickest.
 */
export class LoadStats {
  readonly inflight = new Map<string, number>();
  readonly ttft = new Map<string, number>();

  begin(name: string): void {
    this.inflight.set(name, (this.inflight.get(name) ?? 0) + 1);
  }

  end(name: string): void {
    const n = (this.inflight.get(name) ?? 0) - 1;
    if (n > 0) this.inflight.set(name, n);
    else this.inflight.delete(name);
  }

  sample(name: string, ms: number): void {
    const prev = this.ttft.get(name);
    this.ttft.set(name, prev === undefined ? ms : prev + ALPHA * (ms - prev));
  }

  /** A failed attempt after `elapsedMs`: at least twice the average, and at least one second. */
  penalise(name: string, elapsedMs: number): void {
    this.sample(name, Math.max(elapsedMs, 2 * (this.ttft.get(name) ?? 0), 1000));
  }
}

/**
 * `least_busy` / `least_latency` picking: instances grouped by priority (highest first, as
 * APISIX's priority balancer); in the first group with an instance not in `skip`, the lowest
 * score wins — in-flight count, or TTFT EWMA (an instance without samples scores 0 so it
 * gets measured) with in-flight as the tie-break. Weight-0 instances are used only when no
 * weighted one is left in the group. Ties rotate so equal instances share the load.
 */
export class LeastPicker {
  private readonly groups: MultiInstanceConf[][];
  private turn = 0;
  readonly exhaustedError: string;

  constructor(
    instances: readonly MultiInstanceConf[],
    private readonly mode: 'least_busy' | 'least_latency',
    readonly stats: LoadStats,
  ) {
    const byPrio = new Map<number, MultiInstanceConf[]>();
    for (const i of instances) byPrio.set(i.priority, [...(byPrio.get(i.priority) ?? []), i]);
    this.groups = [...byPrio.entries()].sort((a, b) => b[0] - a[0]).map(([, g]) => g);
    this.exhaustedError = this.groups.length > 1 ? 'all servers tried' : 'all upstream servers tried';
  }

  pick(skip: ReadonlySet<string>): string | undefined {
    for (const group of this.groups) {
      const open = group.filter((i) => !skip.has(i.name));
      if (open.length === 0) continue;
      const weighted = open.filter((i) => i.weight > 0);
      const pool = weighted.length > 0 ? weighted : open;
      let best: MultiInstanceConf[] = [];
      let bestScore: [number, number] | undefined;
      for (const i of pool) {
        const busy = this.stats.inflight.get(i.name) ?? 0;
        const score: [number, number] = this.mode === 'least_busy' ? [busy, 0] : [this.stats.ttft.get(i.name) ?? 0, busy];
        const cmp = bestScore === undefined ? -1 : score[0] - bestScore[0] || score[1] - bestScore[1];
        if (cmp < 0) {
          best = [i];
          bestScore = score;
        } else if (cmp === 0) best.push(i);
      }
      return best[this.turn++ % best.length]!.name;
    }
    return undefined;
  }
}
