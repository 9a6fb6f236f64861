import type { BenchEnv } from '../lib/env.js';
import { runLoad, type LoadResult, type LoadSpec } from '../lib/load.js';
import type { Procs } from '../lib/procs.js';
import type { Results } from '../lib/results.js';
import { median } from '../lib/stats.js';

/** Sizes and durations of one run (full or --quick). */
export interface RunConfig {
  quick: boolean;
  reps: number;
  durationSec: number;
  warmupSec: number;
  /** Connection counts of the throughput runs (latency runs use 1). */
  loads: number[];
  /** Concurrent long streams for the "held with zero loss" check. */
  bigStreams: number;
  dataPlanes: number;
  convergenceWrites: number;
  scaleRoutes: number;
  scaleConsumers: number;
}

/** What every scenario gets. */
export interface Ctx {
  procs: Procs;
  env: BenchEnv;
  results: Results;
  cfg: RunConfig;
  /** Scratch dir for wrk scripts etc. */
  dir: string;
  log(msg: string): void;
}

/** A load case: an id and what to run. */
export interface LoadCase {
  id: string;
  spec: Omit<LoadSpec, 'durationSec'>;
}

/**
 * Warm every case up once, then run `reps` rounds, each round running every case once in a
 * rotated order, so slow drifts of a noisy machine hit all cases alike.
 */
export async function interleaved(ctx: Ctx, cases: readonly LoadCase[]): Promise<Map<string, LoadResult[]>> {
  const out = new Map<string, LoadResult[]>(cases.map((c) => [c.id, []]));
  if (ctx.cfg.warmupSec > 0)
    for (const c of cases) await runLoad(ctx.procs, { ...c.spec, durationSec: ctx.cfg.warmupSec }, ctx.dir);
  for (let rep = 0; rep < ctx.cfg.reps; rep++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + rep) % cases.length]!;
      const r = await runLoad(ctx.procs, { ...c.spec, durationSec: ctx.cfg.durationSec }, ctx.dir);
      out.get(c.id)!.push(r);
      ctx.log(
        `  ${c.id} rep ${rep + 1}: ${r.rps.toFixed(0)} req/s p50 ${(r.p50Us / 1000).toFixed(3)} ms p99 ${(r.p99Us / 1000).toFixed(3)} ms${r.errors ? ` errors ${r.errors}` : ''}`,
      );
    }
  }
  return out;
}

/** Median over repetitions of f(result). */
export function med(rs: readonly LoadResult[] | undefined, f: (r: LoadResult) => number): number {
  return median((rs ?? []).map(f));
}

/** Median over repetitions of f(a[i], b[i]) — a paired comparison within each round. */
export function pairedMed(
  a: readonly LoadResult[] | undefined,
  b: readonly LoadResult[] | undefined,
  f: (x: LoadResult, y: LoadResult) => number,
): number {
  if (!a || !b) return Number.NaN;
  return median(a.map((x, i) => (b[i] ? f(x, b[i]!) : Number.NaN)));
}
