import type { PreparedUpstream, PrepareEnv, UpstreamTarget } from '@portico/plugin-sdk';
import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { trafficSplit } from './index.js';
import { trafficSplitDefinition, type TrafficSplitConf } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(trafficSplitDefinition, conf, 'route');

/** An upstream factory that records what it was asked to build and what was closed. */
function recordingFactory() {
  const created: Record<string, unknown>[] = [];
  const closed: number[] = [];
  const index = new Map<PreparedUpstream, number>();
  return {
    created,
    closed,
    index,
    create(conf: Readonly<Record<string, unknown>>): PreparedUpstream {
      const n = created.push({ ...conf }) - 1;
      const up: PreparedUpstream = { close: () => void closed.push(n) };
      index.set(up, n);
      createdIndex.set(up, n);
      return up;
    },
  };
}

function prepare(conf: Record<string, unknown>, factory = recordingFactory()) {
  expect(check(conf)).toBeUndefined();
  const env: PrepareEnv = {
    resourceKey: '/apisix/routes/1',
    scope: 'route',
    services: { logger: fakeContext().logger, prefixDir: '.', upstreams: factory },
  };
  return { state: trafficSplit.prepare!(conf as TrafficSplitConf, env), factory };
}

/** A context with query args / headers as variables, recording the chosen upstream. */
function request(opts: { args?: Record<string, string>; headers?: Record<string, string>; upstreams?: string[] } = {}) {
  const ctx = fakeContext({ headers: opts.headers ?? {} });
  const chosen: UpstreamTarget[] = [];
  const known = new Set(opts.upstreams ?? []);
  const vars = {
    get: (n: string) =>
      n.startsWith('arg_')
        ? opts.args?.[n.slice(4)]
        : n.startsWith('http_')
          ? opts.headers?.[n.slice(5).replace(/_/g, '-')]
          : undefined,
    set: () => undefined,
  };
  return Object.assign(ctx, {
    vars,
    chosen,
    selectUpstream: (t: UpstreamTarget) => void chosen.push(t),
    hasUpstream: (id: string) => known.has(id),
  });
}

/** Index of every upstream any factory of this file created. */
const createdIndex = new Map<PreparedUpstream, number>();

/** Name of a chosen target: `route`, `id:<id>` or `inline:<n>` (n-th upstream its factory created). */
function label(t: UpstreamTarget | undefined): string {
  if (t === undefined) return 'none';
  if (t.kind === 'route') return 'route';
  if (t.kind === 'id') return `id:${t.id}`;
  return `inline:${createdIndex.get(t.upstream)}`;
}

describe('traffic-split schema (apisix/plugins/traffic-split.lua)', () => {
  it('defaults weighted_upstreams to the route upstream with weight 1, and weights to 1', () => {
    const conf: Record<string, unknown> = {
      rules: [{ match: [{ vars: [['arg_x', '==', '1']] }] }, { weighted_upstreams: [{ upstream_id: 1 }] }],
    };
    expect(check(conf)).toBeUndefined();
    expect(conf).toEqual({
      rules: [
        { match: [{ vars: [['arg_x', '==', '1']] }], weighted_upstreams: [{ weight: 1 }] },
        { weighted_upstreams: [{ upstream_id: 1, weight: 1 }] },
      ],
    });
  });

  it('rejects confs as APISIX words it', () => {
    expect(check({ rules: [{ match: [{ vars: [['arg_name', 123, 'jack']] }], weighted_upstreams: [{ weight: 1 }] }] })).toBe(
      "failed to validate the 'vars' expression: invalid operator '123'",
    );
    expect(check({ rules: [{ weighted_upstreams: [] }] })).toBe(
      'property "rules" validation failed: failed to validate item 1: property "weighted_upstreams" validation failed: expect array to have at least 1 items',
    );
    expect(check({ rules: [{ weighted_upstreams: Array.from({ length: 21 }, () => ({ weight: 1 })) }] })).toBe(
      'property "rules" validation failed: failed to validate item 1: property "weighted_upstreams" validation failed: expect array to have at most 20 items',
    );
    expect(check({ rules: [{ weighted_upstreams: [{ weight: -1 }] }] })).toBe(
      'property "rules" validation failed: failed to validate item 1: property "weighted_upstreams" validation failed: failed to validate item 1: property "weight" validation failed: expected -1 to be at least 0',
    );
    expect(check({ rules: [{ weighted_upstreams: [{ upstream: { type: 'roundrobin' }, weight: 1 }] }] })).toContain(
      'property "upstream" validation failed: value should match only one schema, but matches none',
    );
  });

  it('runs in the access phase at priority 966', () => {
    expect(trafficSplit.priority).toBe(966);
    expect(typeof trafficSplit.access).toBe('function');
  });
});

describe('traffic-split access', () => {
  it('splits by weighted round robin: weights 1:2:2 give exact shares over every window of 5', () => {
    const nodes = (p: number) => ({ [`127.0.0.1:${p}`]: 1 });
    const { state, factory } = prepare({
      rules: [
        {
          weighted_upstreams: [
            { upstream: { type: 'roundrobin', nodes: nodes(1981), retries: 5, checks: undefined, pass_host: 'node' }, weight: 2 },
            { upstream_id: 'u2', weight: 2 },
            { weight: 1 },
          ],
        },
      ],
    });
    expect(factory.created).toEqual([
      { type: 'roundrobin', nodes: nodes(1981), pass_host: 'node', scheme: 'http', hash_on: 'vars' },
    ]);
    const seq: string[] = [];
    for (let i = 0; i < 20; i++) {
      const ctx = request({ upstreams: ['u2'] });
      expect(trafficSplit.access!(ctx, state)).toBeUndefined();
      seq.push(label(ctx.chosen[0]));
    }
    for (let i = 0; i + 5 <= seq.length; i++) {
      const w = seq.slice(i, i + 5);
      expect(w.filter((x) => x === 'inline:0')).toHaveLength(2);
      expect(w.filter((x) => x === 'id:u2')).toHaveLength(2);
      expect(w.filter((x) => x === 'route')).toHaveLength(1);
    }
    trafficSplit.destroy!(state);
    expect(factory.closed).toEqual([0]);
  });

  it('uses the first rule whose match holds (any of its vars lists), by header or by arg', () => {
    const { state } = prepare({
      rules: [
        {
          match: [{ vars: [['http_release', '==', 'new']] }, { vars: [['arg_name', '==', 'jack']] }],
          weighted_upstreams: [{ upstream_id: 'canary' }],
        },
        { match: [{ vars: [['arg_name', '==', 'rose']] }], weighted_upstreams: [{ upstream_id: 'rose' }] },
      ],
    });
    const up = ['canary', 'rose'];
    const byHeader = request({ headers: { release: 'new' }, upstreams: up });
    trafficSplit.access!(byHeader, state);
    expect(byHeader.chosen.map(label)).toEqual(['id:canary']);
    const byArg = request({ args: { name: 'jack' }, upstreams: up });
    trafficSplit.access!(byArg, state);
    expect(byArg.chosen.map(label)).toEqual(['id:canary']);
    const second = request({ args: { name: 'rose' }, upstreams: up });
    trafficSplit.access!(second, state);
    expect(second.chosen.map(label)).toEqual(['id:rose']);
    const none = request({ args: { name: 'tom' }, upstreams: up });
    expect(trafficSplit.access!(none, state)).toBeUndefined();
    expect(none.chosen).toEqual([]);
  });

  it('answers 500 naming an upstream_id that does not exist, in every rule looked at', () => {
    const { state } = prepare({
      rules: [
        { match: [{ vars: [['arg_x', '==', '1']] }], weighted_upstreams: [{ upstream_id: 'gone' }] },
        { weighted_upstreams: [{ upstream_id: 'here' }] },
      ],
    });
    const ctx = request({ upstreams: ['here'] });
    expect(trafficSplit.access!(ctx, state)).toEqual({ status: 500, body: 'failed to fetch upstream info by upstream id: gone' });
    expect(ctx.logs).toContainEqual({ level: 'error', obj: 'failed to find upstream by id: gone' });
  });

  it('a rule with an empty match list keeps the outcome of the rule before it, as APISIX', () => {
    const { state } = prepare({
      rules: [
        { match: [{ vars: [['arg_x', '==', '1']] }], weighted_upstreams: [{ upstream_id: 'a' }] },
        { match: [], weighted_upstreams: [{ upstream_id: 'b' }] },
      ],
    });
    const miss = request({ upstreams: ['a', 'b'] });
    trafficSplit.access!(miss, state);
    expect(miss.chosen).toEqual([]);
    const first = prepare({ rules: [{ match: [], weighted_upstreams: [{ upstream_id: 'b' }] }] }).state;
    const hit = request({ upstreams: ['b'] });
    trafficSplit.access!(hit, first);
    expect(hit.chosen.map(label)).toEqual(['id:b']);
  });

  it('without rules leaves the route upstream alone', () => {
    const { state } = prepare({});
    const ctx = request();
    expect(trafficSplit.access!(ctx, state)).toBeUndefined();
    expect(ctx.chosen).toEqual([]);
  });

  it('closes the inline upstreams it made when preparing a later rule fails', () => {
    const factory = recordingFactory();
    const conf = {
      rules: [
        { weighted_upstreams: [{ upstream: { nodes: { '127.0.0.1:1': 1 } }, weight: 1 }] },
        { match: [{ vars: [['arg_x', '~~', '(']] }], weighted_upstreams: [{ weight: 1 }] },
      ],
    };
    expect(check(conf)).toBeUndefined();
    const env: PrepareEnv = {
      resourceKey: '/apisix/routes/1',
      scope: 'route',
      services: { logger: fakeContext().logger, prefixDir: '.', upstreams: factory },
    };
    expect(() => trafficSplit.prepare!(conf as TrafficSplitConf, env)).toThrow(/invalid regex/);
    expect(factory.closed).toEqual([0]);
  });
});
