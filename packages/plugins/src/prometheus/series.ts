/**
 * The wire shape of metric updates between a worker and the primary (node:cluster IPC,
 * JSON-serialised), and the value objects both sides keep per series.
 */

/** A counter or histogram increment since the last flush. */
export type Delta =
  /** [family index, label values, amount] */
  | [number, string[], number]
  /** [family index, label values, per-bucket counts (non-cumulative, +Inf last), sum, count] */
  | [number, string[], number[], number, number];

/** A gauge value as the sending worker currently sees it: [family index, label values, value]. */
export type GaugeValue = [number, string[], number];

/** One worker's report: increments since its last report plus its current gauges. */
export interface WorkerReport {
  deltas: Delta[];
  gauges: GaugeValue[];
}

/** Separator of label values inside a series key (cannot occur in a label value we emit). */
export const KEY_SEP = '\u0001';

export function seriesKey(labels: readonly string[]): string {
  return labels.join(KEY_SEP);
}

/** A counter series on the worker: increments not yet reported. */
export interface CounterCell {
  readonly family: number;
  readonly labels: string[];
  pending: number;
  dirty: boolean;
}

/** A histogram series on the worker: observations not yet reported. */
export interface HistogramCell {
  readonly family: number;
  readonly labels: string[];
  /** Upper bounds, shared with the family. */
  readonly bounds: readonly number[];
  /** Per-bucket counts, +Inf last (non-cumulative). */
  readonly counts: number[];
  sum: number;
  count: number;
  dirty: boolean;
}

/** Index of the bucket `v` falls in (bounds are upper-inclusive; +Inf is `bounds.length`). */
export function bucketIndex(bounds: readonly number[], v: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= bounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
