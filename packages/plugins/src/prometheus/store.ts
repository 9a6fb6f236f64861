import type { Families, Family } from './families.js';
import { renderExposition, type RenderFamily, type RenderSeries } from './exposition.js';
import { seriesKey, type GaugeValue, type WorkerReport } from './series.js';

interface CounterTotal {
  labels: string[];
  value: number;
  updatedAt: number;
}

interface HistogramTotal {
  labels: string[];
  counts: number[];
  sum: number;
  count: number;
  updatedAt: number;
}

/** How the gauges reported by several workers combine into the pod's value. */
type Combine = 'sum' | 'max' | 'min';

/**
 * The pod's metric totals, owned by the cluster primary. Worker increments are added as they
 * arrive, so they survive the worker; gauges are each live worker's last report, combined at
 * render time, and a monotonic gauge (requests and accepted/handled connections) of a worker
 * that exited is kept in a retired total so the pod's figure never goes back.
 */
export class MetricStore {
  private readonly counters = new Map<number, Map<string, CounterTotal>>();
  private readonly histograms = new Map<number, Map<string, HistogramTotal>>();
  private readonly workerGauges = new Map<number, GaugeValue[]>();
  private readonly retired = new Map<string, GaugeValue>();
  private readonly combine: Map<number, Combine>;

  constructor(private readonly families: Families) {
    this.combine = new Map<number, Combine>([
      [families.etcdReachable.index, 'max'],
      [families.etcdModifyIndexes.index, 'max'],
      [families.nodeInfo.index, 'max'],
      [families.upstreamStatus.index, 'min'],
    ]);
  }

  /** Add a worker's report (increments; its gauges replace its previous ones). */
  apply(worker: number, report: WorkerReport, now = Date.now()): void {
    for (const d of report.deltas) {
      const f = this.families.list[d[0]];
      if (f === undefined || !Array.isArray(d[1]) || d[1].length !== f.labels.length) continue;
      const key = seriesKey(d[1]);
      if (d.length === 3) {
        let m = this.counters.get(f.index);
        if (m === undefined) this.counters.set(f.index, (m = new Map()));
        const t = m.get(key);
        if (t === undefined) m.set(key, { labels: d[1], value: d[2], updatedAt: now });
        else {
          t.value += d[2];
          t.updatedAt = now;
        }
      } else {
        if (d[2].length !== f.buckets.length + 1) continue;
        let m = this.histograms.get(f.index);
        if (m === undefined) this.histograms.set(f.index, (m = new Map()));
        const t = m.get(key);
        if (t === undefined) m.set(key, { labels: d[1], counts: d[2].slice(), sum: d[3], count: d[4], updatedAt: now });
        else {
          for (let i = 0; i < d[2].length; i++) t.counts[i]! += d[2][i]!;
          t.sum += d[3];
          t.count += d[4];
          t.updatedAt = now;
        }
      }
    }
    this.workerGauges.set(worker, report.gauges);
  }

  /** A worker exited: its gauges go, its monotonic counts are kept. */
  dropWorker(worker: number): void {
    const gauges = this.workerGauges.get(worker);
    if (gauges === undefined) return;
    this.workerGauges.delete(worker);
    for (const g of gauges) {
      if (!this.isMonotonic(g)) continue;
      const k = `${g[0]}\u0002${seriesKey(g[1])}`;
      const r = this.retired.get(k);
      if (r === undefined) this.retired.set(k, [g[0], g[1], g[2]]);
      else r[2] += g[2];
    }
  }

  private isMonotonic(g: GaugeValue): boolean {
    const f = this.families;
    if (g[0] === f.requests.index) return true;
    return g[0] === f.connections.index && (g[1][0] === 'accepted' || g[1][0] === 'handled');
  }

  /** Gauges of every live worker (plus retired monotonic ones), combined per series. */
  private gaugeSeries(): Map<number, Map<string, { labels: string[]; value: number }>> {
    const out = new Map<number, Map<string, { labels: string[]; value: number }>>();
    const add = (g: GaugeValue): void => {
      let m = out.get(g[0]);
      if (m === undefined) out.set(g[0], (m = new Map()));
      const key = seriesKey(g[1]);
      const cur = m.get(key);
      if (cur === undefined) return void m.set(key, { labels: g[1], value: g[2] });
      const how = this.combine.get(g[0]) ?? 'sum';
      cur.value = how === 'sum' ? cur.value + g[2] : how === 'max' ? Math.max(cur.value, g[2]) : Math.min(cur.value, g[2]);
    };
    for (const gauges of this.workerGauges.values()) for (const g of gauges) add(g);
    for (const g of this.retired.values()) {
      // A retired total adds to the live ones even for families combined by max/min.
      const m = out.get(g[0]);
      const cur = m?.get(seriesKey(g[1]));
      if (cur !== undefined) cur.value += g[2];
      else add(g);
    }
    return out;
  }

  /** Drop series of families with an `expire` that saw no update for that long. */
  private expire(now: number): void {
    for (const f of this.families.list) {
      if (f.expireMs <= 0) continue;
      const m = f.type === 'histogram' ? this.histograms.get(f.index) : this.counters.get(f.index);
      if (m === undefined) continue;
      for (const [k, t] of m) if (now - t.updatedAt > f.expireMs) m.delete(k);
    }
  }

  /** The exposition (text format 0.0.4) of the pod's metrics. */
  render(now = Date.now()): string {
    this.expire(now);
    const gauges = this.gaugeSeries();
    const out: RenderFamily[] = [];
    for (const f of this.families.list) {
      const series = this.seriesOf(f, gauges);
      if (series.length > 0) out.push({ family: f, series });
    }
    return renderExposition(out);
  }

  private seriesOf(f: Family, gauges: Map<number, Map<string, { labels: string[]; value: number }>>): RenderSeries[] {
    if (f.type === 'histogram') {
      return [...(this.histograms.get(f.index)?.values() ?? [])].map((t) => ({
        labels: t.labels,
        counts: t.counts,
        sum: t.sum,
        count: t.count,
      }));
    }
    const m = f.type === 'counter' ? this.counters.get(f.index) : gauges.get(f.index);
    return [...(m?.values() ?? [])].map((t) => ({ labels: t.labels, value: t.value }));
  }
}
