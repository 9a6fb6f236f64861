import type { Family } from './families.js';
import {
  bucketIndex,
  seriesKey,
  type CounterCell,
  type Delta,
  type GaugeValue,
  type HistogramCell,
  type WorkerReport,
} from './series.js';

/** A gauge series on the worker: its current value (reported whole, not as a delta). */
export interface GaugeCell {
  readonly family: number;
  readonly labels: string[];
  value: number;
}

/** Contributes gauge values measured at report time (connections, etcd indexes, health). */
export type GaugeSource = (out: GaugeValue[]) => void;

/**
 * One worker's metric cells. Requests update cells in place (a number add, no allocation once
 * a label set was seen); {@link takeReport} hands the increments since the previous report to
 * the primary, which owns the totals, and zeroes them. A cell object lives as long as the
 * process, so callers may keep references to cells (per-route label-set caches).
 */
export class Recorder {
  private readonly counters = new Map<string, CounterCell>();
  private readonly histograms = new Map<string, HistogramCell>();
  private readonly gauges = new Map<string, GaugeCell>();
  private dirtyCounters: CounterCell[] = [];
  private dirtyHistograms: HistogramCell[] = [];
  private readonly sources: GaugeSource[] = [];

  counter(f: Family, labels: string[]): CounterCell {
    const k = `${f.index}\u0002${seriesKey(labels)}`;
    let c = this.counters.get(k);
    if (c === undefined) {
      c = { family: f.index, labels, pending: 0, dirty: false };
      this.counters.set(k, c);
    }
    return c;
  }

  histogram(f: Family, labels: string[]): HistogramCell {
    const k = `${f.index}\u0002${seriesKey(labels)}`;
    let h = this.histograms.get(k);
    if (h === undefined) {
      h = {
        family: f.index,
        labels,
        bounds: f.buckets,
        counts: new Array<number>(f.buckets.length + 1).fill(0),
        sum: 0,
        count: 0,
        dirty: false,
      };
      this.histograms.set(k, h);
    }
    return h;
  }

  gauge(f: Family, labels: string[]): GaugeCell {
    const k = `${f.index}\u0002${seriesKey(labels)}`;
    let g = this.gauges.get(k);
    if (g === undefined) {
      g = { family: f.index, labels, value: 0 };
      this.gauges.set(k, g);
    }
    return g;
  }

  /** Add `v` (>= 0; 0 still creates the series, as nginx-lua-prometheus does). */
  inc(c: CounterCell, v: number): void {
    if (!(v >= 0)) return;
    c.pending += v;
    if (!c.dirty) {
      c.dirty = true;
      this.dirtyCounters.push(c);
    }
  }

  observe(h: HistogramCell, v: number): void {
    if (!Number.isFinite(v)) return;
    h.counts[bucketIndex(h.bounds, v)]!++;
    h.sum += v;
    h.count++;
    if (!h.dirty) {
      h.dirty = true;
      this.dirtyHistograms.push(h);
    }
  }

  /** Register a gauge source read at every report. */
  addGaugeSource(s: GaugeSource): void {
    this.sources.push(s);
  }

  /** Whether increments are waiting to be reported. */
  get dirty(): boolean {
    return this.dirtyCounters.length > 0 || this.dirtyHistograms.length > 0;
  }

  /** The increments since the last report (then zeroed) and every current gauge value. */
  takeReport(): WorkerReport {
    const deltas: Delta[] = [];
    for (const c of this.dirtyCounters) {
      deltas.push([c.family, c.labels, c.pending]);
      c.pending = 0;
      c.dirty = false;
    }
    for (const h of this.dirtyHistograms) {
      deltas.push([h.family, h.labels, h.counts.slice(), h.sum, h.count]);
      h.counts.fill(0);
      h.sum = 0;
      h.count = 0;
      h.dirty = false;
    }
    this.dirtyCounters = [];
    this.dirtyHistograms = [];
    const gauges: GaugeValue[] = [];
    for (const g of this.gauges.values()) gauges.push([g.family, g.labels, g.value]);
    for (const s of this.sources) s(gauges);
    return { deltas, gauges };
  }
}
