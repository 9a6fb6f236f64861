import { describe, expect, it } from 'vitest';
import { RoundRobinPicker, RoundRobinSchedule, SequencedRoundRobin } from './index.js';

const letters = (weights: readonly number[]) => weights.map((weight, i) => ({ name: String.fromCharCode(97 + i), weight }));

/** The first `n` positions of the schedule as node letters. */
function walk(weights: readonly number[], n: number, from = 0): string {
  const s = new RoundRobinSchedule(weights);
  return Array.from({ length: n }, (_, i) => String.fromCharCode(97 + s.at(from + i))).join('');
}

describe('RoundRobinSchedule (resty.roundrobin sequence by position)', () => {
  const table: { weights: number[]; period: number; seq: string }[] = [
    { weights: [8, 2], period: 5, seq: 'aaaab' },
    { weights: [4, 1], period: 5, seq: 'aaaab' },
    { weights: [1, 1], period: 2, seq: 'ab' },
    { weights: [3, 2, 1], period: 6, seq: 'aababc' },
    { weights: [2, 5], period: 7, seq: 'bbbabab' },
    { weights: [6, 4, 2], period: 6, seq: 'aababc' },
    { weights: [3, 0], period: 1, seq: 'a' },
    { weights: [0, 0, 0], period: 3, seq: 'abc' },
    { weights: [0], period: 1, seq: 'a' },
    { weights: [5], period: 1, seq: 'a' },
    { weights: [1, 0, 2], period: 3, seq: 'cac' },
  ];
  for (const t of table) {
    it(`weights ${t.weights.join(':')} repeat ${t.seq} (period ${t.period})`, () => {
      const s = new RoundRobinSchedule(t.weights);
      expect(s.period).toBe(t.period);
      expect(walk(t.weights, 3 * t.period)).toBe(t.seq.repeat(3));
    });
  }

  it('matches the stateful RoundRobinPicker pick for pick from the first node', () => {
    for (const weights of [
      [8, 2],
      [3, 2, 1],
      [2, 5],
      [7, 3, 3, 1],
      [0, 4, 6],
      [0, 0],
      [9, 6, 3, 0, 1],
    ]) {
      const p = new RoundRobinPicker(letters(weights), () => 0);
      const s = new RoundRobinSchedule(weights);
      const stateful = Array.from({ length: 3 * s.period + 1 }, () => p.pick(new Set())).join('');
      expect(walk(weights, 3 * s.period + 1)).toBe(stateful);
    }
  });

  it('gives exactly 8/2 over any 10 consecutive positions for weights 8 and 2', () => {
    for (const from of [0, 1, 3, 4, 1_000_003]) {
      const seq = walk([8, 2], 10, from);
      expect([...seq].filter((c) => c === 'a').length).toBe(8);
    }
  });

  it('takes negative positions modulo the period', () => {
    expect(walk([4, 1], 5, -5)).toBe('aaaab');
    expect(walk([4, 1], 1, -1)).toBe('b');
  });

  it('keeps a big period cheap: weights 100 and 99 repeat every 199 positions', () => {
    const s = new RoundRobinSchedule([100, 99]);
    expect(s.period).toBe(199);
    expect(s.at(0)).toBe(0);
    expect(s.at(198)).toBe(1);
    expect(s.at(199)).toBe(0);
  });

  it('rejects an empty node list', () => {
    expect(() => new RoundRobinSchedule([])).toThrow('empty nodes');
  });
});

describe('SequencedRoundRobin', () => {
  const nodes = [
    { name: 'openai', weight: 8, priority: 1 },
    { name: 'deepseek', weight: 2, priority: 1 },
    { name: 'backup', weight: 1, priority: 0 },
  ];

  it('maps positions 0..9 of the top group onto exactly 8 openai and 2 deepseek', () => {
    const p = new SequencedRoundRobin(nodes);
    expect(p.groups.map((g) => g.priority)).toEqual([1, 0]);
    const picks = Array.from({ length: 10 }, (_, n) => p.pickAt(p.groupFor(new Set()), new Set(), n));
    expect(picks).toEqual([
      'openai',
      'openai',
      'openai',
      'openai',
      'deepseek',
      'openai',
      'openai',
      'openai',
      'openai',
      'deepseek',
    ]);
  });

  it('skips tried nodes along the sequence without another position', () => {
    const p = new SequencedRoundRobin(nodes);
    expect(p.pickAt(0, new Set(['openai']), 0)).toBe('deepseek');
    expect(p.pickAt(0, new Set(['deepseek']), 4)).toBe('openai');
    expect(p.pickAt(0, new Set(['openai', 'deepseek']), 0)).toBeUndefined();
  });

  it('moves to the next priority group once the higher one is tried, and to -1 after the last', () => {
    const p = new SequencedRoundRobin(nodes);
    expect(p.groupFor(new Set(['openai']))).toBe(0);
    expect(p.groupFor(new Set(['openai', 'deepseek']))).toBe(1);
    expect(p.pickAt(1, new Set(['openai', 'deepseek']), 7)).toBe('backup');
    expect(p.groupFor(new Set(['openai', 'deepseek', 'backup']))).toBe(-1);
    expect(p.exhaustedError).toBe('all servers tried');
  });

  it('never serves a weight-0 node next to positive weights, as RoundRobinPicker', () => {
    const p = new SequencedRoundRobin([
      { name: 'a', weight: 3 },
      { name: 'z', weight: 0 },
    ]);
    expect(p.groupFor(new Set())).toBe(0);
    expect(p.groupFor(new Set(['a']))).toBe(-1);
    expect(p.pickAt(0, new Set(['a']), 0)).toBeUndefined();
    expect(p.exhaustedError).toBe('all upstream servers tried');
  });
});
