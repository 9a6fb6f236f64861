import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { faultInjection, prepareFaultInjection } from './index.js';
import type { FaultInjectionConf } from './schema.js';

const check = (conf: unknown) => checkPluginConf(faultInjection, conf, 'route');

function ctxWith(vars: Record<string, string>) {
  const ctx = fakeContext({ method: 'GET', uri: '/hello' });
  for (const [k, v] of Object.entries(vars)) ctx.vars.set(k, v);
  return ctx;
}

describe('fault-injection schema', () => {
  it('has APISIX priority 11000 and requires abort.http_status / delay.duration', () => {
    expect(faultInjection.priority).toBe(11000);
    expect(check({})).toBe('expect object to have at least 1 properties');
    expect(check({ abort: { body: 'x' } })).toBe('property "abort" validation failed: property "http_status" is required');
    expect(check({ abort: { http_status: 100 } })).toBe(
      'property "abort" validation failed: property "http_status" validation failed: expected 100 to be at least 200',
    );
    expect(check({ delay: { duration: '1' } })).toBe(
      'property "delay" validation failed: property "duration" validation failed: wrong type: expected number, got string',
    );
    expect(check({ abort: { http_status: 200, percentage: 101 } })).toMatch(/percentage/);
  });
  it('rejects vars entries lua-resty-expr cannot compile, with its message', () => {
    expect(check({ abort: { http_status: 403, vars: [[['arg_name', 'invalid_op', 'x']]] } })).toBe(
      "invalid operator 'invalid_op'",
    );
    expect(check({ delay: { duration: 1, vars: [['a', 'b']] } })).toBe('rule should be wrapped inside brackets');
    expect(check({ abort: { http_status: 403, vars: [[['arg_name', '==', 'jack']]] } })).toBeUndefined();
  });
});

describe('fault-injection abort', () => {
  it('ends the request with status, $var body and headers (numbers as printed)', () => {
    const s = prepareFaultInjection({
      abort: { http_status: 200, body: '{"count": $arg_count}', headers: { h1: 'v1', h2: 2, H3: '$uri' } },
    });
    const r = faultInjection.rewrite!(ctxWith({ arg_count: '2', uri: '/hello' }), s);
    expect(r).toEqual({ status: 200, body: '{"count": 2}', headers: { h1: 'v1', h2: '2', h3: '/hello' } });
  });
  it('a header value resolving to "" is not sent', () => {
    const s = prepareFaultInjection({ abort: { http_status: 200, headers: { 'X-A': '$arg_none', 'X-B': 'b' } } });
    expect(faultInjection.rewrite!(ctxWith({}), s)).toEqual({ status: 200, headers: { 'x-b': 'b' } });
  });
  it('without a body leaves it to the gateway (nginx page for >= 300)', () => {
    const r = faultInjection.rewrite!(ctxWith({}), prepareFaultInjection({ abort: { http_status: 403 } }));
    expect(r).toEqual({ status: 403 });
  });
  it('percentage samples 1..100 and vars must match (any rule set)', () => {
    const conf: FaultInjectionConf = {
      abort: { http_status: 403, percentage: 50, vars: [[['arg_name', '==', 'jack']], [['http_age', '<', 18]]] },
    };
    let roll = 50;
    const s = prepareFaultInjection(conf, () => roll);
    expect(faultInjection.rewrite!(ctxWith({ arg_name: 'jack' }), s)).toEqual({ status: 403 });
    expect(faultInjection.rewrite!(ctxWith({ http_age: '10' }), s)).toEqual({ status: 403 });
    expect(faultInjection.rewrite!(ctxWith({ arg_name: 'rose' }), s)).toBeUndefined();
    roll = 51;
    expect(faultInjection.rewrite!(ctxWith({ arg_name: 'jack' }), s)).toBeUndefined();
    const zero = prepareFaultInjection({ abort: { http_status: 403, percentage: 0 } }, () => 1);
    expect(faultInjection.rewrite!(ctxWith({}), zero)).toBeUndefined();
  });
  it('an empty vars list never matches (vars_match yields nil)', () => {
    const s = prepareFaultInjection({ abort: { http_status: 403, vars: [] } });
    expect(faultInjection.rewrite!(ctxWith({}), s)).toBeUndefined();
  });
});

describe('fault-injection delay', () => {
  it('sleeps duration seconds, then aborts when configured', async () => {
    const s = prepareFaultInjection({ delay: { duration: 0.2 }, abort: { http_status: 418, body: 'late' } });
    const t0 = Date.now();
    const r = await faultInjection.rewrite!(ctxWith({}), s);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(r).toEqual({ status: 418, body: 'late' });
  });
  it('is skipped when its vars do not match', () => {
    const s = prepareFaultInjection({ delay: { duration: 5, vars: [[['arg_slow', '==', '1']]] } });
    expect(faultInjection.rewrite!(ctxWith({}), s)).toBeUndefined();
  });
});
