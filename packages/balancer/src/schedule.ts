import { gcd } from './gcd.js';

/** A run of consecutive `cw` levels of the sequence that admit the same nodes. */
interface Segment {
  /** Levels in the run. */
  levels: number;
  /** Nodes admitted at each level of the run, in config order. */
  nodes: readonly number[];
}

/**
 * resty.roundrobin's weighted sequence as a pure function of a position: `at(n)` is the index
 * of the node that the n-th `find` returns when the sequence starts from the first node at the
 * highest weight (cw = max). The sequence is periodic: each node of weight w appears w/gcd
 * times per period of Σ(weight/gcd) positions, so any `period` consecutive positions hold the
 * exact weight ratio. Lets several processes share one position counter (one sequence per pod)
 * while each maps it onto the nodes locally. Rules for weight 0 match RoundRobinPicker.
 */
export class RoundRobinSchedule {
  /** Positions per period; at(n) === at(n + period). */
  readonly period: number;
  private readonly segments: readonly Segment[];

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error('empty nodes');
    const all = weights.map((_, i) => i);
    const step = weights.reduce((g, w) => gcd(g, w), 0);
    if (weights.length === 1 || step === 0) {
      // A lone node is always returned; all weights 0 admit every node at cw = 0.
      this.segments = [{ levels: 1, nodes: weights.length === 1 ? [0] : all }];
      this.period = this.segments[0]!.nodes.length;
      return;
    }
    // Levels cw = max, max-g, ..., g; a node is admitted while weight >= cw, so the admitted
    // set only changes at distinct weights: one segment per distinct positive weight.
    const distinct = [...new Set(weights.filter((w) => w > 0))].sort((a, b) => b - a);
    const segments: Segment[] = [];
    let period = 0;
    distinct.forEach((top, i) => {
      const nodes = all.filter((j) => weights[j]! >= top);
      const levels = (top - (distinct[i + 1] ?? 0)) / step;
      segments.push({ levels, nodes });
      period += levels * nodes.length;
    });
    this.segments = segments;
    this.period = period;
  }

  /** Node index at sequence position `n` (any integer; taken modulo the period). */
  at(n: number): number {
    let r = ((n % this.period) + this.period) % this.period;
    for (const s of this.segments) {
      const size = s.levels * s.nodes.length;
      if (r < size) return s.nodes[r % s.nodes.length]!;
      r -= size;
    }
    /* c8 ignore next */
    throw new Error('unreachable: position beyond the period');
  }

  /** Whether the node at `index` ever appears in the sequence. */
  scheduled(index: number): boolean {
    return this.segments.some((s) => s.nodes.includes(index));
  }
}
