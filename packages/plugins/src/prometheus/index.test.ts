import { describe, expect, it } from 'vitest';
import type { AttachedPlugin, PrepareEnv } from '@portico/plugin-sdk';
import { fakeContext } from '../testing/fake-context.js';
import { prometheus } from './index.js';
import { prometheusRuntime } from './runtime.js';

const env = (scope: PrepareEnv['scope']): PrepareEnv => ({
  resourceKey: scope === 'global_rule' ? '/apisix/global_rules/1' : '/apisix/routes/1',
  scope,
  services: { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '/' },
});

function statusCount(): number {
  const rt = prometheusRuntime();
  return rt.recorder
    .takeReport()
    .deltas.filter((d) => d[0] === rt.families.status.index)
    .reduce((a, d) => a + (d[2] as number), 0);
}

describe('prometheus plugin', () => {
  it('a global rule instance records requests of routes without the plugin', () => {
    statusCount();
    const global = prometheus.prepare!({ prefer_name: false }, env('global_rule'));
    const ctx = fakeContext();
    ctx.status = 200;
    void prometheus.log!(ctx, global);
    expect(statusCount()).toBe(1);
  });

  it('run_policy prefer_route: with the plugin on the route too, only the route instance records', () => {
    statusCount();
    const global = prometheus.prepare!({ prefer_name: false }, env('global_rule'));
    const route = prometheus.prepare!({ prefer_name: false }, env('route'));
    const ctx = fakeContext();
    ctx.status = 200;
    (ctx.plugins as Map<string, AttachedPlugin>).set('prometheus', {
      module: prometheus,
      conf: {},
      state: route,
      resourceKey: '/apisix/routes/1',
    });
    void prometheus.log!(ctx, global);
    void prometheus.log!(ctx, route);
    expect(statusCount()).toBe(1);
  });
});
