import { describe, expect, it } from 'vitest';
import { LocalLimits } from './local-limits.js';
import { compileVarTemplate } from './var-template.js';

/** A LocalLimits on a clock the test moves (milliseconds). */
function clocked(start = 1_000_000) {
  const clock = { now: start };
  return { clock, limits: new LocalLimits(() => clock.now) };
}

describe('leaky bucket (resty.limit.req, rate and burst ×1000)', () => {
  it('admits the first request with no excess, then charges 1000 per request less what leaked', () => {
    const { clock, limits } = clocked();
    // rate 2 r/s, burst 1: 2000 leaks per second, up to 1000 excess waits.
    expect(limits.leaky('k', 2000, 1000, true)).toEqual({ excess: 0 });
    expect(limits.leaky('k', 2000, 1000, true)).toEqual({ excess: 1000 });
    expect(limits.leaky('k', 2000, 1000, true)).toBe('rejected');
    clock.now += 250; // 500 leaked: 1000 - 500 + 1000 = 1500 > burst
    expect(limits.leaky('k', 2000, 1000, true)).toBe('rejected');
    clock.now += 250; // 1000 leaked since the last commit: 1000 - 1000 + 1000 = 1000
    expect(limits.leaky('k', 2000, 1000, true)).toEqual({ excess: 1000 });
    clock.now += 10_000; // long idle: back to 0
    expect(limits.leaky('k', 2000, 1000, true)).toEqual({ excess: 0 });
  });

  it('with burst 0 admits exactly one request per 1/rate seconds', () => {
    const { clock, limits } = clocked();
    expect(limits.leaky('k', 1000, 0, true)).toEqual({ excess: 0 });
    expect(limits.leaky('k', 1000, 0, true)).toBe('rejected');
    clock.now += 999;
    expect(limits.leaky('k', 1000, 0, true)).toBe('rejected');
    clock.now += 1;
    expect(limits.leaky('k', 1000, 0, true)).toEqual({ excess: 0 });
  });

  it('a dry step (commit false) leaves the bucket as it was; a rejection stores nothing', () => {
    const { limits } = clocked();
    limits.leaky('k', 1000, 2000, true);
    expect(limits.leaky('k', 1000, 2000, false)).toEqual({ excess: 1000 });
    expect(limits.leaky('k', 1000, 2000, true)).toEqual({ excess: 1000 });
    expect(limits.leaky('k', 1000, 2000, true)).toEqual({ excess: 2000 });
    expect(limits.leaky('k', 1000, 2000, true)).toBe('rejected');
    expect(limits.leaky('other', 1000, 2000, true)).toEqual({ excess: 0 });
  });

  it('drops the fraction of the stored excess as resty.limit.req (uint64 field) does', () => {
    const { clock, limits } = clocked();
    limits.leaky('k', 3000, 5000, true);
    limits.leaky('k', 3000, 5000, true); // excess 1000
    clock.now += 1; // 3 leaked: 997 is returned... and stored as is
    expect(limits.leaky('k', 3000, 5000, true)).toEqual({ excess: 1997 });
    clock.now += 0.5; // 1.5 leaked → 2995.5 returned, 2995 stored
    expect(limits.leaky('k', 3000, 5000, true)).toEqual({ excess: 2995.5 });
    expect(limits.leaky('k', 3000, 5000, false)).toEqual({ excess: 3995 });
  });
});

describe('connection counts (resty.limit.conn)', () => {
  it('counts in up to max, refuses above without counting, and counts out to zero', () => {
    const { limits } = clocked();
    expect([limits.connIn('k', 2), limits.connIn('k', 2), limits.connIn('k', 2)]).toEqual([1, 2, 'rejected']);
    expect(limits.connections('k')).toBe(2);
    expect(limits.connOut('k')).toBe(1);
    expect(limits.connIn('k', 2)).toBe(2);
    expect([limits.connOut('k'), limits.connOut('k')]).toEqual([1, 0]);
    expect(limits.connections('k')).toBe(0);
  });
});

describe('sliding window (limit-count sliding-window.lua with the shared-dict store)', () => {
  it('weighs the previous window by the share still overlapping', () => {
    // Window 10 s starting at t = 1000 s exactly.
    const { clock, limits } = clocked(1_000_000);
    for (let i = 0; i < 4; i++) expect(limits.sliding('k', 4, 10, 1).accepted).toBe(true);
    expect(limits.sliding('k', 4, 10, 1)).toEqual({ accepted: false, count: 4, last: 0, remainingTime: 10 });
    clock.now += 12_500; // 2.5 s into the next window: 4 × 7.5/10 = 3 still count
    expect(limits.sliding('k', 4, 10, 1)).toEqual({ accepted: true, count: 1, last: 4, remainingTime: 7.5 });
    expect(limits.sliding('k', 4, 10, 1)).toEqual({ accepted: false, count: 1, last: 4, remainingTime: 7.5 });
    clock.now += 5_000; // 7.5 s in: 4 × 2.5/10 = 1 + 1 current
    expect(limits.sliding('k', 4, 10, 1)).toEqual({ accepted: true, count: 2, last: 4, remainingTime: 2.5 });
    clock.now += 20_000; // two windows later: nothing left
    expect(limits.sliding('k', 4, 10, 1)).toEqual({ accepted: true, count: 1, last: 0, remainingTime: 2.5 });
  });
});

describe('var templates (core.utils.resolve_var), parsed once', () => {
  const vars: Record<string, string> = { remote_addr: '10.0.0.1', http_x_user: 'ann' };
  const get = (n: string) => vars[n];
  it('concatenates literals and variables and counts the variables that resolved', () => {
    expect(compileVarTemplate('$remote_addr $http_x_user').resolve(get)).toEqual({ value: '10.0.0.1 ann', resolved: 2 });
    expect(compileVarTemplate('${http_x_user}-${http_x_team ?? none}').resolve(get)).toEqual({ value: 'ann-none', resolved: 2 });
    expect(compileVarTemplate('u:$http_missing').resolve(get)).toEqual({ value: 'u:', resolved: 0 });
    expect(compileVarTemplate('plain').resolve(get)).toEqual({ value: 'plain', resolved: 0 });
    expect(compileVarTemplate('a\\$remote_addr').resolve(get)).toEqual({ value: 'a\\$remote_addr', resolved: 0 });
  });
});
