import { crc32 } from 'node:zlib';
import { gcd } from './gcd.js';
import { ALL_UPSTREAM_SERVERS_TRIED, type BalancerNode, type Picker } from './types.js';

/** Points per weight unit on the ring (resty.chash CONSISTENT_POINTS). */
export const CONSISTENT_POINTS = 160;

/**
 * Consistent hashing ring as lua-resty-balancer's `resty.chash` builds it (and
 * apisix/balancer/chash.lua drives it): weights are divided by their gcd, each node gets
 * weight × 160 points whose hashes chain crc32 over the node id (nginx's
 * ngx_http_upstream_init_chash scheme), the key maps to the first point ≥ crc32(key), and a
 * retry walks the ring forward to the next untried node.
 */
export class ChashPicker implements Picker {
  readonly exhaustedError = ALL_UPSTREAM_SERVERS_TRIED;
  readonly names: readonly string[];
  private readonly hashes: Uint32Array;
  private readonly owners: Uint16Array;

  constructor(nodes: readonly BalancerNode[]) {
    if (nodes.length === 0) throw new Error('empty nodes');
    if (nodes.length > 0xffff) throw new Error('too many nodes');
    this.names = nodes.map((n) => n.name);
    let g = 0;
    for (const n of nodes) g = g === 0 ? n.weight : gcd(g, n.weight);
    // Every weight 0: resty.chash would build an empty ring and index garbage; Portico gives
    // each node one unit instead so the route still works.
    const units = g === 0 ? nodes.map(() => 1) : nodes.map((n) => n.weight / g);
    const total = units.reduce((s, u) => s + u, 0) * CONSISTENT_POINTS;
    const points: { hash: number; owner: number }[] = new Array(total);
    let at = 0;
    const prev = Buffer.alloc(4);
    nodes.forEach((n, idx) => {
      // apisix/balancer/chash.lua replaces ':' with '\0' in the server id before hashing.
      const base = crc32(n.name.replaceAll(':', '\0'));
      prev.writeUInt32LE(0, 0);
      for (let i = 0; i < units[idx]! * CONSISTENT_POINTS; i++) {
        const h = crc32(prev, base);
        points[at++] = { hash: h, owner: idx };
        prev.writeUInt32LE(h, 0);
      }
    });
    points.sort((a, b) => a.hash - b.hash);
    this.hashes = Uint32Array.from(points, (p) => p.hash);
    this.owners = Uint16Array.from(points, (p) => p.owner);
  }

  /** Index of the first point whose hash ≥ crc32(key), wrapping to 0. */
  private find(key: string): number {
    const h = crc32(key);
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.hashes.length ? 0 : lo;
  }

  pick(tried: ReadonlySet<string>, hashKey = ''): string | undefined {
    let idx = this.find(hashKey);
    const first = this.names[this.owners[idx]!]!;
    if (!tried.has(first)) return first;
    let triedHere = 0;
    for (const n of this.names) if (tried.has(n)) triedHere++;
    if (triedHere === this.names.length) return undefined;
    for (let i = 0; i < this.hashes.length; i++) {
      idx = (idx + 1) % this.hashes.length;
      const name = this.names[this.owners[idx]!]!;
      if (!tried.has(name)) return name;
    }
    return undefined;
  }

  /** The node a key maps to when nothing was tried (for tests and diagnostics). */
  lookup(key: string): string {
    return this.names[this.owners[this.find(key)]!]!;
  }
}
