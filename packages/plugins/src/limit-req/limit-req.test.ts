import { checkPluginConf } from '@portico/schemas';
import { startRedis, type RedisProcess } from '@portico/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { leakyDelay, limitReq, type LimitReqConf } from './index.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
let seq = 0;
type State = ReturnType<NonNullable<typeof limitReq.prepare>>;
const states: State[] = [];

function prepared(raw: Record<string, unknown>, resourceKey = `/apisix/routes/lr${++seq}`): State {
  const conf = structuredClone(raw);
  const err = checkPluginConf(limitReq, conf, 'route');
  if (err) throw new Error(err);
  const s = limitReq.prepare!(conf as unknown as LimitReqConf, { resourceKey, scope: 'route', services });
  states.push(s);
  return s;
}

async function hit(state: State, init: Parameters<typeof fakeCtx>[0] = {}) {
  const ctx = fakeCtx(init);
  const t0 = performance.now();
  const reply = await limitReq.access!(ctx, state);
  return { status: reply ? reply.status : 200, body: reply ? reply.body : undefined, ms: performance.now() - t0, logs: ctx.logs };
}

afterAll(() => {
  for (const s of states) limitReq.destroy!(s);
});

describe('limit-req schema (limit-req.lua, limit-req.t)', () => {
  it('has APISIX priority 1001 and version 0.1', () => {
    expect([limitReq.priority, limitReq.version]).toEqual([1001, 0.1]);
  });
  const table: [Record<string, unknown>, string | undefined][] = [
    [{ rate: 1, burst: 0, key: 'remote_addr' }, undefined],
    [{ rate: -1, burst: 0, key: 'remote_addr' }, 'property "rate" validation failed: expected -1 to be greater than 0'],
    [{ rate: 1, burst: -1, key: 'remote_addr' }, 'property "burst" validation failed: expected -1 to be at least 0'],
    [{ rate: 1, burst: 0 }, 'property "key" is required'],
    [
      { rate: 1, burst: 0, key: 'remote_addr', key_type: 'constant' },
      'property "key_type" validation failed: matches none of the enum values',
    ],
    [{ rate: 1, burst: 0, key: 'remote_addr', policy: 'redis' }, 'then clause did not match'],
    [{ rate: 0.5, burst: 0.5, key: 'remote_addr', policy: 'redis', redis_host: '127.0.0.1' }, undefined],
  ];
  for (const [conf, err] of table) {
    it(`${JSON.stringify(conf)} → ${err ?? 'passes'}`, () =>
      expect(checkPluginConf(limitReq, structuredClone(conf), 'route')).toBe(err));
  }
  it('applies the defaults', () => {
    const conf: Record<string, unknown> = { rate: 1, burst: 0, key: 'remote_addr' };
    checkPluginConf(limitReq, conf, 'route');
    expect(conf).toEqual({
      rate: 1,
      burst: 0,
      key: 'remote_addr',
      key_type: 'var',
      policy: 'local',
      rejected_code: 503,
      nodelay: false,
      allow_degradation: false,
    });
  });
});

describe('limit-req runtime', () => {
  it('delay is excess / rate in seconds', () => {
    expect(leakyDelay(1000, 2000)).toBe(0.5);
    expect(leakyDelay(0, 2000)).toBe(0);
  });

  it('local: a request within the burst waits excess/rate before it passes; beyond the burst it is rejected', async () => {
    const s = prepared({ rate: 4, burst: 1, key: 'remote_addr', rejected_code: 429, rejected_msg: 'rejected' });
    const first = await hit(s);
    expect([first.status, first.ms < 100]).toEqual([200, true]);
    const [second, third] = await Promise.all([hit(s), hit(s)]);
    // 1000 excess at 4000/s: 250 ms of delay.
    expect(second.status).toBe(200);
    expect(second.ms).toBeGreaterThanOrEqual(240);
    expect([third.status, third.body]).toEqual([429, { error_msg: 'rejected' }]);
  });

  it('local nodelay: the burst passes at once', async () => {
    const s = prepared({ rate: 1, burst: 2, key: 'remote_addr', nodelay: true });
    const rs = [await hit(s), await hit(s), await hit(s), await hit(s)];
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 503]);
    expect(Math.max(...rs.map((r) => r.ms))).toBeLessThan(100);
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

    it('keeps the bucket in the hash limit_req:<resource>:<conf id>:<key>, one per key', async () => {
      const conf = {
        rate: 1,
        burst: 1,
        key: 'http_x_user',
        nodelay: true,
        policy: 'redis',
        redis_host: '127.0.0.1',
        redis_port: redis.port,
      };
      const stateA = prepared(conf, '/apisix/routes/rq');
      const stateB = prepared(conf, '/apisix/routes/rq');
      const h = { headers: { 'x-user': 'ann' } };
      expect([(await hit(stateA, h)).status, (await hit(stateB, h)).status, (await hit(stateA, h)).status]).toEqual([
        200, 200, 503,
      ]);
      const keys = await admin.keys('limit_req:/apisix/routes/rq:*');
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^limit_req:\/apisix\/routes\/rq:[0-9a-f]{8}:ann$/);
      const state = await admin.hgetall(keys[0]!);
      expect(Number(state.excess)).toBeGreaterThan(900);
      expect(await admin.ttl(keys[0]!)).toBe(2); // ceil(burst / rate) + 1
    });

    it('an unreachable Redis is a 500 with "failed to limit req", or a pass with allow_degradation', async () => {
      const down = {
        rate: 1,
        burst: 1,
        key: 'remote_addr',
        policy: 'redis',
        redis_host: '127.0.0.1',
        redis_port: 1,
        redis_timeout: 100,
      };
      const r = await hit(prepared(down));
      expect([r.status, r.body]).toEqual([500, undefined]);
      expect(r.logs.at(-1)?.msg).toMatch(/^failed to limit req: /);
      expect((await hit(prepared({ ...down, allow_degradation: true }))).status).toBe(200);
    });
  });
});
