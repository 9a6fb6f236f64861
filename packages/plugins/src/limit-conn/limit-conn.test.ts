import { checkPluginConf } from '@portico/schemas';
import { startRedis, type RedisProcess } from '@portico/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { limitConn, type LimitConnConf } from './index.js';
import { connDelay, resolveConnNumber } from './resolve.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
let seq = 0;
type State = ReturnType<NonNullable<typeof limitConn.prepare>>;
const states: State[] = [];

function prepared(raw: Record<string, unknown>, resourceKey = `/apisix/routes/lcn${++seq}`): State {
  const conf = structuredClone(raw);
  const err = checkPluginConf(limitConn, conf, 'route');
  if (err) throw new Error(err);
  const s = limitConn.prepare!(conf as unknown as LimitConnConf, { resourceKey, scope: 'route', services });
  states.push(s);
  return s;
}

let reqSeq = 0;
/** Run access; the returned `end` runs the log phase (the request finishing). */
async function enter(state: State, init: Parameters<typeof fakeCtx>[0] = {}) {
  const ctx = Object.assign(fakeCtx(init), { requestId: `req-${++reqSeq}` });
  const t0 = performance.now();
  const reply = await limitConn.access!(ctx, state);
  return {
    status: reply ? reply.status : 200,
    body: reply ? reply.body : undefined,
    ms: performance.now() - t0,
    logs: ctx.logs,
    end: () => limitConn.log!(ctx, state),
  };
}

afterAll(() => {
  for (const s of states) limitConn.destroy!(s);
});

describe('limit-conn schema (limit-conn.lua, limit-conn.t)', () => {
  it('has APISIX priority 1003 and version 0.1', () => {
    expect([limitConn.priority, limitConn.version]).toEqual([1003, 0.1]);
  });
  const ok = { conn: 1, burst: 0, default_conn_delay: 0.1, key: 'remote_addr' };
  const table: [Record<string, unknown>, string | undefined][] = [
    [ok, undefined],
    [{ burst: 0, default_conn_delay: 0.1, key: 'remote_addr' }, 'value should match only one schema, but matches none'],
    [{ ...ok, conn: -1 }, 'property "conn" validation failed: value should match only one schema, but matches none'],
    [
      { ...ok, allow_degradation: 'true' },
      'property "allow_degradation" validation failed: wrong type: expected boolean, got string',
    ],
    [{ ...ok, default_conn_delay: 0 }, 'property "default_conn_delay" validation failed: expected 0 to be greater than 0'],
    [{ ...ok, conn: '${http_conn ?? 2}', burst: '$arg_b' }, undefined],
    [{ default_conn_delay: 0.1, rules: [{ conn: 1, burst: 0, key: '$remote_addr' }] }, undefined],
    [{ ...ok, policy: 'redis', redis_host: '127.0.0.1' }, undefined],
  ];
  for (const [conf, err] of table) {
    it(`${JSON.stringify(conf)} → ${err ?? 'passes'}`, () =>
      expect(checkPluginConf(limitConn, structuredClone(conf), 'route')).toBe(err));
  }
  it('adds key_ttl (default 3600) to the redis policies only', () => {
    const conf: Record<string, unknown> = { ...ok, policy: 'redis', redis_host: '127.0.0.1' };
    checkPluginConf(limitConn, conf, 'route');
    expect(conf.key_ttl).toBe(3600);
    const local: Record<string, unknown> = { ...ok };
    checkPluginConf(limitConn, local, 'route');
    expect(local).toEqual({
      ...ok,
      only_use_default_delay: false,
      key_type: 'var',
      policy: 'local',
      rejected_code: 503,
      allow_degradation: false,
    });
  });
});

describe('limit-conn runtime', () => {
  it('delay: one default_conn_delay per `conn` connections ahead', () => {
    expect([connDelay(1, 2, 0.1), connDelay(2, 2, 0.1), connDelay(3, 2, 0.1), connDelay(5, 2, 0.1)]).toEqual([0, 0, 0.1, 0.2]);
  });
  it('resolves variable conn/burst with limit-conn/init.lua error strings', () => {
    const get = (n: string) => ({ http_n: 'x', http_z: '0', http_f: '1.5' })[n];
    expect(resolveConnNumber('${http_n}', false, get)).toBe('resolved value is not a number: x');
    expect(resolveConnNumber('${http_z}', false, get)).toBe('resolved value must be a positive number, got: 0');
    expect(resolveConnNumber('${http_z}', true, get)).toBe(0);
    expect(resolveConnNumber('${http_f}', true, get)).toBe('resolved value must be an integer, got: 1.5');
    expect(resolveConnNumber('${http_q ?? 4}', false, get)).toBe(4);
  });

  it('local: holds a slot until the log phase; the burst waits default_conn_delay; beyond it is rejected', async () => {
    const s = prepared({
      conn: 1,
      burst: 1,
      default_conn_delay: 0.2,
      key: 'remote_addr',
      rejected_code: 429,
      rejected_msg: 'busy',
    });
    const a = await enter(s);
    expect([a.status, a.ms < 100]).toEqual([200, true]);
    const b = await enter(s);
    expect(b.status).toBe(200);
    expect(b.ms).toBeGreaterThanOrEqual(190);
    const c = await enter(s);
    expect([c.status, c.body]).toEqual([429, { error_msg: 'busy' }]);
    await c.end(); // a rejected request holds nothing
    await a.end();
    const d = await enter(s);
    expect(d.status).toBe(200);
    await Promise.all([b.end(), d.end()]);
    // All released: the next one is first again (no delay).
    const e = await enter(s);
    expect([e.status, e.ms < 100]).toEqual([200, true]);
    await e.end();
  });

  it('rules: every applicable rule holds its own slot; a rule whose key has no variable is skipped', async () => {
    const s = prepared({
      default_conn_delay: 0.1,
      rules: [
        { conn: 1, burst: 0, key: '${http_user}' },
        { conn: 2, burst: 0, key: '$remote_addr' },
        { conn: 1, burst: 0, key: 'no-variable' },
      ],
    });
    const a = await enter(s, { headers: { user: 'ann' } });
    expect(a.status).toBe(200);
    expect((await enter(s, { headers: { user: 'ann' } })).status).toBe(503);
    const b = await enter(s, { headers: { user: 'bob' } });
    expect(b.status).toBe(200);
    const c = await enter(s, { headers: { user: 'cid' } }); // the client IP rule is full
    expect(c.status).toBe(503);
    await Promise.all([a.end(), b.end(), c.end()]); // c releases the user slot it took first
    expect((await enter(s, { headers: { user: 'cid' } })).status).toBe(200);
  });

  it('a bad variable conn is a 500, logged; allow_degradation passes', async () => {
    const r = await enter(prepared({ conn: '${http_c}', burst: 0, default_conn_delay: 0.1, key: 'remote_addr' }), {
      headers: { c: 'x' },
    });
    expect([r.status, r.logs.at(-1)?.msg]).toEqual([500, 'failed to get limit conn rules: resolved value is not a number: x']);
  });

  describe('policy redis (real redis-server)', () => {
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

    it('holds one sorted-set member per request in limit_conn:<key>, removed when the request ends', async () => {
      const conf = {
        conn: 1,
        burst: 0,
        default_conn_delay: 0.1,
        key: 'remote_addr',
        policy: 'redis',
        redis_host: '127.0.0.1',
        redis_port: redis.port,
      };
      const stateA = prepared(conf, '/apisix/routes/cn');
      const stateB = prepared(conf, '/apisix/routes/cn');
      const a = await enter(stateA);
      expect(a.status).toBe(200);
      expect((await enter(stateB)).status).toBe(503);
      const [key] = await admin.keys('limit_conn:/apisix/routes/cn:*');
      expect(key).toMatch(/^limit_conn:\/apisix\/routes\/cn:[0-9a-f]{8}:127\.0\.0\.1$/);
      expect(await admin.zcard(key!)).toBe(1);
      expect(await admin.ttl(key!)).toBeGreaterThan(3590);
      await a.end();
      expect(await admin.zcard(key!)).toBe(0);
      const b = await enter(stateB);
      expect(b.status).toBe(200);
      await b.end();
    });

    it('an unreachable Redis is a 500 with "failed to limit conn", or a pass with allow_degradation', async () => {
      const down = {
        conn: 1,
        burst: 0,
        default_conn_delay: 0.1,
        key: 'remote_addr',
        policy: 'redis',
        redis_host: '127.0.0.1',
        redis_port: 1,
        redis_timeout: 100,
      };
      const r = await enter(prepared(down));
      expect(r.status).toBe(500);
      expect(r.logs.at(-1)?.msg).toMatch(/^failed to limit conn: /);
      expect((await enter(prepared({ ...down, allow_degradation: true }))).status).toBe(200);
    });
  });
});
