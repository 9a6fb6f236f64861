import { gcd } from './gcd.js';
import { ALL_UPSTREAM_SERVERS_TRIED, type BalancerNode, type Picker } from './types.js';

/**
 * Weighted round robin with lua-resty-balancer's `resty.roundrobin` sequence: a current
 * weight `cw` starts at the max weight and drops by the gcd of all weights after each full
 * pass; a node is returned while its weight ≥ cw. Weights 4:1 (or 8:2) therefore repeat
 * a,a,a,a,b — exactly 8/2 over any 10 consecutive picks.
 *
 * weight 0 (apisix/balancer/roundrobin.lua + resty.roundrobin): never chosen while another
 * node has weight > 0 (cw never drops to 0), a lone node is always returned, and when every
 * weight is 0 the nodes are cycled (cw = 0 admits every node).
 */
export class RoundRobinPicker implements Picker {
  readonly exhaustedError = ALL_UPSTREAM_SERVERS_TRIED;
  readonly names: readonly string[];
  private readonly weights: readonly number[];
  private readonly step: number;
  private readonly maxWeight: number;
  /** Σ(weight + 1): how many `find` calls APISIX allows while skipping tried nodes. */
  private readonly safeLimit: number;
  private cw: number;
  private last: number;

  constructor(nodes: readonly BalancerNode[], random: () => number = Math.random) {
    if (nodes.length === 0) throw new Error('empty nodes');
    this.names = nodes.map((n) => n.name);
    this.weights = nodes.map((n) => n.weight);
    let g = this.weights[0]!;
    let max = g;
    for (const w of this.weights.slice(1)) {
      g = gcd(g, w);
      if (w > max) max = w;
    }
    this.step = g;
    this.maxWeight = max;
    this.cw = max;
    this.safeLimit = this.weights.reduce((s, w) => s + w + 1, 0);
    // resty.roundrobin starts from a random node so that workers do not all hit node 1 first.
    this.last = Math.floor(random() * nodes.length) - 1;
  }

  /** One step of resty.roundrobin `find`. */
  private next(): string {
    if (this.names.length === 1) return this.names[0]!;
    for (;;) {
      while (++this.last < this.weights.length) {
        if (this.weights[this.last]! >= this.cw) return this.names[this.last]!;
      }
      this.last = -1;
      this.cw -= this.step;
      if (this.cw <= 0) this.cw = this.maxWeight;
    }
  }

  pick(tried: ReadonlySet<string>): string | undefined {
    if (tried.size === 0) return this.next();
    let triedHere = 0;
    for (const n of this.names) if (tried.has(n)) triedHere++;
    if (triedHere === this.names.length) return undefined;
    for (let i = 0; i < this.safeLimit; i++) {
      const name = this.next();
      if (!tried.has(name)) return name;
    }
    // APISIX would hand back an already-tried node here (only weight-0 nodes left untried);
    // Portico tries each instance at most once, so it reports exhaustion instead.
    return undefined;
  }
}
