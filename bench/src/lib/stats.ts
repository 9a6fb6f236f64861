/** Small statistics helpers: percentiles by nearest rank on sorted copies, medians, ratios. */

/** Nearest-rank percentile (p in 0..100) of `xs`; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

/** Median of the finite values of `xs`; NaN when none. */
export function median(xs: readonly number[]): number {
  const f = xs.filter((x) => Number.isFinite(x));
  if (f.length === 0) return Number.NaN;
  const s = [...f].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Distribution summary in the unit of the samples. */
export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** p50/p90/p99/max/mean of `xs`. */
export function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number =>
    s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : Number.NaN;
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    n: s.length,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: s.length ? s[s.length - 1]! : Number.NaN,
    mean: s.length ? sum / s.length : Number.NaN,
  };
}

/** a / b, NaN when either is not a finite number or b is 0. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}
