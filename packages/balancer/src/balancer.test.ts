import { describe, expect, it } from 'vitest';
import { ChashPicker, chashKey, createPicker, resolveVars, RoundRobinPicker, type BalancerNode } from './index.js';

const fixedStart = () => 0;

function counts(seq: readonly (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of seq) out[String(s)] = (out[String(s)] ?? 0) + 1;
  return out;
}

function run(p: { pick(t: ReadonlySet<string>, k?: string): string | undefined }, n: number): (string | undefined)[] {
  return Array.from({ length: n }, () => p.pick(new Set()));
}

describe('RoundRobinPicker (resty.roundrobin sequence)', () => {
  const table: { name: string; nodes: BalancerNode[]; n: number; want: Record<string, number> }[] = [
    {
      name: 'weights 8 and 2 give exactly 8/2 over 10',
      nodes: [
        { name: 'openai', weight: 8 },
        { name: 'deepseek', weight: 2 },
      ],
      n: 10,
      want: { openai: 8, deepseek: 2 },
    },
    {
      name: 'weights 4 and 1 give exactly 8/2 over 10',
      nodes: [
        { name: 'a', weight: 4 },
        { name: 'b', weight: 1 },
      ],
      n: 10,
      want: { a: 8, b: 2 },
    },
    {
      name: 'equal weights alternate 5/5',
      nodes: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 1 },
      ],
      n: 10,
      want: { a: 5, b: 5 },
    },
    {
      name: 'weight 0 is never picked next to a positive weight',
      nodes: [
        { name: 'a', weight: 3 },
        { name: 'z', weight: 0 },
      ],
      n: 9,
      want: { a: 9 },
    },
    {
      name: 'all weights 0 are cycled',
      nodes: [
        { name: 'a', weight: 0 },
        { name: 'b', weight: 0 },
      ],
      n: 4,
      want: { a: 2, b: 2 },
    },
    { name: 'a lone weight-0 node is always returned', nodes: [{ name: 'only', weight: 0 }], n: 3, want: { only: 3 } },
    {
      name: 'weights 3:2:1 give 3/2/1 over 6',
      nodes: [
        { name: 'a', weight: 3 },
        { name: 'b', weight: 2 },
        { name: 'c', weight: 1 },
      ],
      n: 6,
      want: { a: 3, b: 2, c: 1 },
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      expect(counts(run(new RoundRobinPicker(t.nodes, fixedStart), t.n))).toEqual(t.want);
    });
  }

  it('gives 8/2 over any 10 consecutive picks whatever the random start node', () => {
    for (const r of [0, 0.5, 0.99]) {
      const p = new RoundRobinPicker(
        [
          { name: 'a', weight: 4 },
          { name: 'b', weight: 1 },
        ],
        () => r,
      );
      run(p, 3);
      expect(counts(run(p, 10))).toEqual({ a: 8, b: 2 });
    }
  });

  it('produces the gcd-stepped sequence a,a,a,a,b for weights 8 and 2', () => {
    const p = new RoundRobinPicker(
      [
        { name: 'a', weight: 8 },
        { name: 'b', weight: 2 },
      ],
      fixedStart,
    );
    expect(run(p, 5)).toEqual(['a', 'a', 'a', 'a', 'b']);
  });

  it('skips tried nodes and returns undefined once every node was tried', () => {
    const p = new RoundRobinPicker(
      [
        { name: 'a', weight: 8 },
        { name: 'b', weight: 2 },
      ],
      fixedStart,
    );
    expect(p.pick(new Set(['a']))).toBe('b');
    expect(p.pick(new Set(['b']))).toBe('a');
    expect(p.pick(new Set(['a', 'b']))).toBeUndefined();
    expect(p.exhaustedError).toBe('all upstream servers tried');
  });

  it('does not fall back to a weight-0 node when the positive ones are tried', () => {
    const p = new RoundRobinPicker(
      [
        { name: 'a', weight: 1 },
        { name: 'z', weight: 0 },
      ],
      fixedStart,
    );
    expect(p.pick(new Set(['a']))).toBeUndefined();
  });
});

describe('priority groups', () => {
  const nodes: BalancerNode[] = [
    { name: 'low', weight: 1, priority: 0 },
    { name: 'high1', weight: 1, priority: 10 },
    { name: 'high2', weight: 1, priority: 10 },
    { name: 'mid', weight: 1, priority: 5 },
  ];
  const table: { name: string; tried: string[]; want: string | undefined }[] = [
    { name: 'uses the highest group first', tried: [], want: 'high1' },
    { name: 'stays in the highest group while one of it is untried', tried: ['high1'], want: 'high2' },
    { name: 'moves to the next priority when the higher group is all tried', tried: ['high1', 'high2'], want: 'mid' },
    { name: 'reaches the lowest priority last', tried: ['high1', 'high2', 'mid'], want: 'low' },
    { name: 'returns undefined when every group is exhausted', tried: ['high1', 'high2', 'mid', 'low'], want: undefined },
  ];
  for (const t of table) {
    it(t.name, () => {
      const p = createPicker(nodes, 'roundrobin', fixedStart);
      expect(p.pick(new Set(t.tried))).toBe(t.want);
    });
  }

  it('reports `all servers tried` with several groups and `all upstream servers tried` with one', () => {
    expect(createPicker(nodes, 'roundrobin').exhaustedError).toBe('all servers tried');
    expect(createPicker(nodes.slice(1, 3), 'roundrobin').exhaustedError).toBe('all upstream servers tried');
    expect(createPicker(nodes, 'chash').exhaustedError).toBe('all servers tried');
  });

  it('serves every request from the higher group while it is untried', () => {
    const p = createPicker([
      { name: 'a', weight: 1, priority: 1 },
      { name: 'b', weight: 100, priority: 0 },
    ]);
    expect(counts(run(p, 10))).toEqual({ a: 10 });
  });
});

describe('ChashPicker', () => {
  const nodes: BalancerNode[] = [
    { name: 'openai', weight: 1 },
    { name: 'deepseek', weight: 1 },
    { name: 'mistral', weight: 1 },
  ];

  it('maps the same key to the same node every time', () => {
    const p = new ChashPicker(nodes);
    for (const key of ['user-1', 'user-2', '10.0.0.1', '']) {
      const first = p.pick(new Set(), key);
      for (let i = 0; i < 5; i++) expect(p.pick(new Set(), key)).toBe(first);
    }
  });

  it('spreads keys over all nodes roughly by weight (160 points per unit)', () => {
    const p = new ChashPicker([
      { name: 'a', weight: 3 },
      { name: 'b', weight: 1 },
    ]);
    const c = counts(Array.from({ length: 4000 }, (_, i) => p.lookup(`key-${i}`)));
    expect(c.a! / 4000).toBeGreaterThan(0.65);
    expect(c.a! / 4000).toBeLessThan(0.85);
  });

  it('moves only the keys of a removed node (consistent ring)', () => {
    const full = new ChashPicker(nodes);
    const reduced = new ChashPicker(nodes.filter((n) => n.name !== 'mistral'));
    for (let i = 0; i < 500; i++) {
      const k = `k${i}`;
      const before = full.lookup(k);
      if (before !== 'mistral') expect(reduced.lookup(k)).toBe(before);
    }
  });

  it('walks the ring to the next untried node on retry and exhausts after all', () => {
    const p = new ChashPicker(nodes);
    const first = p.pick(new Set(), 'k')!;
    const second = p.pick(new Set([first]), 'k')!;
    expect(second).not.toBe(first);
    const third = p.pick(new Set([first, second]), 'k')!;
    expect(new Set([first, second, third]).size).toBe(3);
    expect(p.pick(new Set([first, second, third]), 'k')).toBeUndefined();
  });

  it('gives weight-0 nodes no points', () => {
    const p = new ChashPicker([
      { name: 'a', weight: 2 },
      { name: 'z', weight: 0 },
    ]);
    for (let i = 0; i < 200; i++) expect(p.lookup(`k${i}`)).toBe('a');
  });
});

describe('chashKey', () => {
  const vars: Record<string, string> = {
    remote_addr: '10.1.1.1',
    arg_user: 'alice',
    http_x_user_id: 'u42',
    cookie_sid: 's9',
    uri: '/chat',
  };
  const src = { var: (n: string) => vars[n], consumerName: 'jack' };
  const table: { hashOn: Parameters<typeof chashKey>[0]; key?: string; want: string; fallback: boolean }[] = [
    { hashOn: 'vars', key: 'arg_user', want: 'alice', fallback: false },
    { hashOn: 'vars', key: 'arg_missing', want: '10.1.1.1', fallback: true },
    { hashOn: 'header', key: 'X-User-Id', want: 'u42', fallback: false },
    { hashOn: 'cookie', key: 'sid', want: 's9', fallback: false },
    { hashOn: 'consumer', want: 'jack', fallback: false },
    { hashOn: 'vars_combinations', key: '$uri-$arg_user', want: '/chat-alice', fallback: false },
    { hashOn: 'vars_combinations', key: '$arg_none', want: '10.1.1.1', fallback: true },
  ];
  for (const t of table) {
    it(`hash_on ${t.hashOn} key ${t.key ?? '-'} → ${t.want}`, () => {
      expect(chashKey(t.hashOn, t.key, src)).toEqual({ key: t.want, usedFallback: t.fallback });
    });
  }

  it('falls back to remote_addr for hash_on consumer without a consumer', () => {
    expect(chashKey('consumer', undefined, { var: src.var, consumerName: undefined })).toEqual({
      key: '10.1.1.1',
      usedFallback: true,
    });
  });
});

describe('resolveVars', () => {
  const get = (n: string) => ({ http_count: '7', a: 'x' })[n];
  const table: { tpl: string; value: string; resolved: number }[] = [
    { tpl: '${http_count ?? 10}', value: '7', resolved: 1 },
    { tpl: '${http_missing ?? 10}', value: '10', resolved: 1 },
    { tpl: '${http_missing}', value: '', resolved: 0 },
    { tpl: '$a-$a', value: 'x-x', resolved: 2 },
    { tpl: 'plain', value: 'plain', resolved: 0 },
    { tpl: '\\$a', value: '\\$a', resolved: 0 },
  ];
  for (const t of table) {
    it(`resolves ${t.tpl}`, () => {
      expect(resolveVars(t.tpl, get)).toEqual({ value: t.value, resolved: t.resolved });
    });
  }
});
