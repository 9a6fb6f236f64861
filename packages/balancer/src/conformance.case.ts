import { describe, expect, it } from 'vitest';
import { ALL_SERVERS_TRIED, ALL_UPSTREAM_SERVERS_TRIED, type BalancerNode, type Picker } from './types.js';

/** A picker implementation under test. */
export interface PickerHarness {
  /** Build the picker over `nodes` (as a config revision would). */
  make(nodes: readonly BalancerNode[]): Picker;
  /** Whether the picker serves higher `priority` groups first (priority.lua); else priorities are ignored. */
  priorities: boolean;
}

const NONE: ReadonlySet<string> = new Set();

/** Enough distinct hash keys for any ring to reach every node. */
const KEYS = Array.from({ length: 400 }, (_, i) => `client-${i}`);

function flat(weights: readonly number[]): BalancerNode[] {
  return weights.map((weight, i) => ({ name: `10.0.0.${i + 1}:80`, weight }));
}

/** Pick until exhausted, adding each pick to `tried`; returns the picks in order. */
function walk(p: Picker, key: string): string[] {
  const tried = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i <= p.names.length; i++) {
    const n = p.pick(tried, key);
    if (n === undefined) break;
    expect(tried.has(n), `${n} picked again`).toBe(false);
    tried.add(n);
    out.push(n);
  }
  return out;
}

/**
 * The behaviour every Picker shares (types.ts): names, never a tried node, exhaustion to
 * undefined with APISIX's error string, foreign names ignored, inputs left untouched.
 */
export function runPickerConformance(name: string, h: PickerHarness): void {
  describe(`${name} (picker conformance)`, () => {
    const nodes = h.priorities
      ? [
          { name: 'a:80', weight: 3, priority: 2 },
          { name: 'b:80', weight: 1, priority: 2 },
          { name: 'c:80', weight: 2, priority: 1 },
          { name: 'd:80', weight: 1, priority: 0 },
        ]
      : flat([5, 3, 1, 1]);

    it('names every node it was built with', () => {
      expect([...h.make(nodes).names].sort()).toEqual(nodes.map((n) => n.name).sort());
    });

    it('returns each node at most once while skipping tried ones, then undefined', () => {
      for (const key of KEYS.slice(0, 20)) {
        const picks = walk(h.make(nodes), key);
        expect([...picks].sort()).toEqual(nodes.map((n) => n.name).sort());
        if (h.priorities) expect(picks.map((p) => p[0])).toEqual(expect.arrayContaining(['a', 'b']));
        if (h.priorities) expect(picks.slice(2).map((p) => p[0])).toEqual(['c', 'd']);
      }
    });

    it('serves every node of its first group over many fresh picks, and no other', () => {
      const p = h.make(nodes);
      const seen = new Set(KEYS.map((k) => p.pick(NONE, k)));
      const first = h.priorities ? ['a:80', 'b:80'] : nodes.map((n) => n.name);
      expect([...seen].sort()).toEqual(first.sort());
    });

    it('always returns a lone node until it is tried', () => {
      const p = h.make(flat([1]));
      for (const key of KEYS.slice(0, 5)) expect(p.pick(NONE, key)).toBe('10.0.0.1:80');
      expect(p.pick(new Set(['10.0.0.1:80']), 'k')).toBeUndefined();
    });

    it('ignores tried names it does not know', () => {
      const p = h.make(nodes);
      expect(nodes.map((n) => n.name)).toContain(p.pick(new Set(['elsewhere:80', 'x:1']), 'k'));
    });

    it("reports exhaustion with one of APISIX's error strings", () => {
      expect([ALL_UPSTREAM_SERVERS_TRIED, ALL_SERVERS_TRIED]).toContain(h.make(nodes).exhaustedError);
    });

    it('leaves the tried set and the node list unchanged', () => {
      const input = nodes.map((n) => ({ ...n }));
      const p = h.make(input);
      const tried = new Set([input[0]!.name]);
      p.pick(tried, 'k');
      expect([...tried]).toEqual([input[0]!.name]);
      expect(input).toEqual(nodes);
    });
  });
}
