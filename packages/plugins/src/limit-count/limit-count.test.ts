import { checkPluginConf } from '@portico/schemas';
import { startRedis, type RedisProcess } from '@portico/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { limitCount, type LimitCountConf, type LimitCountState } from './index.js';
import { resetLimitCountGroups } from './schema.js';
import { fixedOutcome, slidingOutcome } from './window.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
let seq = 0;
const states: LimitCountState[] = [];

function prepared(raw: Record<string, unknown>, resourceKey = `/apisix/routes/lc${++seq}`): LimitCountState {
  const conf = structuredClone(raw);
  const err = checkPluginConf(limitCount, conf, 'route');
  if (err) throw new Error(err);
  const state = limitCount.prepare!(conf as unknown as LimitCountConf, { resourceKey, scope: 'route', services });
  states.push(state);
  return state;
}

async function hit(state: LimitCountState, init: Parameters<typeof fakeCtx>[0] = {}, metadata?: Record<string, unknown>) {
  const ctx = fakeCtx(init);
  if (metadata) ctx.pluginMetadata = (n) => (n === 'limit-count' ? metadata : undefined);
  const reply = await limitCount.access!(ctx, state);
  return { status: reply ? reply.status : 200, body: reply ? reply.body : undefined, headers: ctx.respHeaders, logs: ctx.logs };
}

afterAll(() => {
  for (const s of states) limitCount.destroy!(s);
});
beforeEach(() => resetLimitCountGroups());

describe('window math', () => {
  it('fixed: remaining = limit − consumed, reset = whole window for the opener, else the TTL to 2 decimals', () => {
    expect(fixedOutcome(2, 60, 1, 60_000, true)).toEqual({ kind: 'pass', remaining: 1, reset: 60 });
    expect(fixedOutcome(2, 60, 2, 59_876, false)).toEqual({ kind: 'pass', remaining: 0, reset: 59.87 });
    expect(fixedOutcome(2, 60, 3, 59_001, false)).toEqual({ kind: 'rejected', reset: 59 });
  });
  it('sliding: remaining subtracts the weighted previous window; a rejection reports when a slot frees', () => {
    expect(slidingOutcome(10, 10, { accepted: true, count: 2, last: 4, remainingTime: 7.5 })).toEqual({
      kind: 'pass',
      remaining: 5,
      reset: 7.5,
    });
    expect(slidingOutcome(4, 10, { accepted: false, count: 4, last: 0, remainingTime: 3.333 })).toEqual({
      kind: 'rejected',
      reset: 3.34,
    });
    // 3 current + 4 × 5/10 = 5 ≥ 4: a slot frees when the previous share drops below 1 → 5 − 1/0.4 = 2.5 s.
    expect(slidingOutcome(4, 10, { accepted: false, count: 3, last: 4, remainingTime: 5 })).toEqual({
      kind: 'rejected',
      reset: 2.5,
    });
  });
});

describe('limit-count policy local', () => {
  it('admits `count` requests per window per client IP with the X-RateLimit headers, then rejects with rejected_code', async () => {
    const s = prepared({ count: 2, time_window: 60, rejected_code: 429 });
    const a = await hit(s);
    expect(a.status).toBe(200);
    expect(a.headers).toEqual({ 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': '60' });
    const b = await hit(s);
    expect([b.status, b.headers['X-RateLimit-Remaining']]).toEqual([200, '0']);
    expect(Number(b.headers['X-RateLimit-Reset'])).toBeGreaterThan(59);
    const c = await hit(s);
    expect([c.status, c.body, c.headers['X-RateLimit-Limit'], c.headers['X-RateLimit-Remaining']]).toEqual([
      429,
      undefined,
      '2',
      '0',
    ]);
    // Another client IP has its own counter.
    expect((await hit(s, { remoteAddr: '10.0.0.2' })).status).toBe(200);
  });

  it('answers rejected_msg as {"error_msg": …} and hides the headers when show_limit_quota_header is false', async () => {
    const s = prepared({
      count: 1,
      time_window: 60,
      rejected_msg: 'Requests are too frequent, please try again later.',
      show_limit_quota_header: false,
    });
    expect((await hit(s)).headers).toEqual({});
    const r = await hit(s);
    expect([r.status, r.body, r.headers]).toEqual([503, { error_msg: 'Requests are too frequent, please try again later.' }, {}]);
  });

  it('keys on a variable, a var_combination or a constant; an unset key falls back to the client IP', async () => {
    const byHeader = prepared({ count: 1, time_window: 60, key: 'http_x_user' });
    expect((await hit(byHeader, { headers: { 'x-user': 'ann' } })).status).toBe(200);
    expect((await hit(byHeader, { headers: { 'x-user': 'ann' } })).status).toBe(503);
    expect((await hit(byHeader, { headers: { 'x-user': 'bob' } })).status).toBe(200);
    expect((await hit(byHeader, { remoteAddr: '10.1.1.1' })).status).toBe(200); // no header: keyed on 10.1.1.1
    expect((await hit(byHeader, { remoteAddr: '10.1.1.1' })).status).toBe(503);

    const combo = prepared({ count: 1, time_window: 60, key_type: 'var_combination', key: '$http_x_user $remote_addr' });
    expect((await hit(combo, { headers: { 'x-user': 'ann' } })).status).toBe(200);
    expect((await hit(combo, { headers: { 'x-user': 'ann' }, remoteAddr: '10.9.9.9' })).status).toBe(200);
    expect((await hit(combo, { headers: { 'x-user': 'ann' } })).status).toBe(503);

    const constant = prepared({ count: 1, time_window: 60, key_type: 'constant', key: 'all' });
    expect((await hit(constant)).status).toBe(200);
    expect((await hit(constant, { remoteAddr: '10.3.3.3' })).status).toBe(503);
  });

  it('shares one counter between routes with the same group, and keeps routes without a group apart', async () => {
    const g1 = prepared({ count: 2, time_window: 60, group: 'svc' });
    const g2 = prepared({ count: 2, time_window: 60, group: 'svc' });
    expect((await hit(g1)).headers['X-RateLimit-Remaining']).toBe('1');
    expect((await hit(g2)).headers['X-RateLimit-Remaining']).toBe('0');
    expect((await hit(g1)).status).toBe(503);
    const solo = prepared({ count: 2, time_window: 60 });
    expect((await hit(solo)).headers['X-RateLimit-Remaining']).toBe('1');
  });

  it('resolves count and time_window from variables; a bad value is a 500 (or a pass with allow_degradation)', async () => {
    const s = prepared({ count: '${http_count ?? 1}', time_window: 60 });
    expect((await hit(s, { headers: { count: '3' } })).headers['X-RateLimit-Limit']).toBe('3');
    const bad = await hit(s, { headers: { count: 'x' } });
    expect([bad.status, bad.logs.at(-1)?.msg]).toEqual([500, 'failed to get rate limit rules: resolved value is not a number']);
    const soft = prepared({ count: '${http_count}', time_window: 60, allow_degradation: true });
    expect((await hit(soft, { headers: { count: '1.5' } })).status).toBe(200);
  });

  it('rules: each applicable rule counts with its prefixed headers; rules whose key has no variable are skipped', async () => {
    const s = prepared({
      rules: [
        { count: 2, time_window: 60, key: '${http_company}', header_prefix: 'company' },
        { count: 1, time_window: 60, key: '${http_user}' },
      ],
    });
    const a = await hit(s, { headers: { company: 'acme', user: 'ann' } });
    expect(a.headers).toEqual({
      'X-company-RateLimit-Limit': '2',
      'X-company-RateLimit-Remaining': '1',
      'X-company-RateLimit-Reset': '60',
      'X-2-RateLimit-Limit': '1',
      'X-2-RateLimit-Remaining': '0',
      'X-2-RateLimit-Reset': '60',
    });
    expect((await hit(s, { headers: { company: 'acme', user: 'ann' } })).status).toBe(503);
    expect((await hit(s, { headers: { company: 'acme' } })).status).toBe(503); // company quota used up: 2 of 2
    const none = await hit(s);
    expect([none.status, none.logs.at(-1)?.msg]).toEqual([500, 'failed to get rate limit rules: nil']);
  });

  it('sets $rate_limiting_info as APISIX formats it (integers; a rejection reports 0 remaining)', async () => {
    const s = prepared({ count: 1, time_window: 60, key_type: 'constant', key: 'k' }, '/apisix/routes/info');
    const ctx = fakeCtx();
    await limitCount.access!(ctx, s);
    const info = JSON.parse(ctx.vars.get('rate_limiting_info')!) as Record<string, unknown>;
    expect(info).toEqual({
      rate_limiting_key: expect.stringMatching(/^\/apisix\/routes\/info:[0-9a-f]{8}:k$/),
      rate_limiting_limit: 1,
      rate_limiting_remaining: 0,
      rate_limiting_reset: 60,
    });
    const again = fakeCtx();
    await limitCount.access!(again, s);
    expect(JSON.parse(again.vars.get('rate_limiting_info')!)).toMatchObject({
      rate_limiting_limit: 1,
      rate_limiting_remaining: 0,
    });
  });

  it('names the headers from plugin metadata', async () => {
    const s = prepared({ count: 5, time_window: 60 });
    const r = await hit(s, {}, { limit_header: 'X-Limit', remaining_header: 'X-Remaining', reset_header: 'X-Reset' });
    expect(r.headers).toEqual({ 'X-Limit': '5', 'X-Remaining': '4', 'X-Reset': '60' });
  });

  it('sliding window: admits `count` per window, then reports the seconds until a slot frees', async () => {
    const s = prepared({ count: 2, time_window: 60, window_type: 'sliding' });
    expect((await hit(s)).status).toBe(200);
    expect((await hit(s)).headers['X-RateLimit-Remaining']).toBe('0');
    const r = await hit(s);
    expect([r.status, r.headers['X-RateLimit-Remaining']]).toEqual([503, '0']);
    expect(Number(r.headers['X-RateLimit-Reset'])).toBeGreaterThan(0);
  });

  it('resets the counter when the conf changes (the key carries the conf id)', async () => {
    const a = prepared({ count: 1, time_window: 60 }, '/apisix/routes/same');
    expect((await hit(a)).status).toBe(200);
    expect((await hit(a)).status).toBe(503);
    const b = prepared({ count: 1, time_window: 61 }, '/apisix/routes/same');
    expect((await hit(b)).status).toBe(200);
  });
});

describe('limit-count policy redis (real redis-server)', () => {
  let redis: RedisProcess;
  let admin: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis({ port: redis.port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.cleanup();
  });
  const redisConf = (extra: Record<string, unknown>) => ({
    policy: 'redis',
    redis_host: '127.0.0.1',
    redis_port: redis.port,
    ...extra,
  });

  it('counts in plugin-limit-count:v1:<resource>:<conf id>:<key> with the window as TTL', async () => {
    const s = prepared(redisConf({ count: 2, time_window: 60 }), '/apisix/routes/r1');
    expect((await hit(s)).headers).toEqual({ 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': '60' });
    expect((await hit(s)).status).toBe(200);
    expect((await hit(s)).status).toBe(503);
    const keys = await admin.keys('plugin-limit-count:v1:/apisix/routes/r1:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^plugin-limit-count:v1:\/apisix\/routes\/r1:[0-9a-f]{8}:127\.0\.0\.1$/);
    expect(await admin.get(keys[0]!)).toBe('3');
    expect(await admin.ttl(keys[0]!)).toBeGreaterThan(58);
  });

  it('two prepared states of the same route conf count on one Redis key', async () => {
    const stateA = prepared(redisConf({ count: 3, time_window: 60, key_type: 'constant', key: 'shared' }), '/apisix/routes/r2');
    const stateB = prepared(redisConf({ count: 3, time_window: 60, key_type: 'constant', key: 'shared' }), '/apisix/routes/r2');
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await hit(i % 2 ? stateB : stateA)).headers['X-RateLimit-Remaining']);
    expect(seen).toEqual(['2', '1', '0', '0']);
  });

  it('sliding window in Redis: one counter per window id', async () => {
    const s = prepared(redisConf({ count: 1, time_window: 100, window_type: 'sliding' }), '/apisix/routes/r3');
    expect((await hit(s)).status).toBe(200);
    expect((await hit(s)).status).toBe(503);
    const keys = await admin.keys('plugin-limit-count:/apisix/routes/r3:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^plugin-limit-count:\/apisix\/routes\/r3:[0-9a-f]{8}:127\.0\.0\.1\.\d+\.counter$/);
  });

  it('an unreachable Redis is a 500 {"error_msg":"failed to limit count"}, or a pass with allow_degradation', async () => {
    const down = prepared({
      count: 1,
      time_window: 60,
      policy: 'redis',
      redis_host: '127.0.0.1',
      redis_port: 1,
      redis_timeout: 100,
    });
    const r = await hit(down);
    expect([r.status, r.body]).toEqual([500, { error_msg: 'failed to limit count' }]);
    expect(r.logs.at(-1)?.msg).toMatch(/^failed to limit count: /);
    const soft = prepared({
      count: 1,
      time_window: 60,
      policy: 'redis',
      redis_host: '127.0.0.1',
      redis_port: 1,
      redis_timeout: 100,
      allow_degradation: true,
    });
    expect((await hit(soft)).status).toBe(200);
  });
});
