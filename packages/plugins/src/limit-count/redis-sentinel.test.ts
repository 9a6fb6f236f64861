// policy redis-sentinel against a real redis-server and a real sentinel: the master is found
// through the sentinel (ioredis `sentinels` + `name`), and counters live on that master.
import { checkPluginConf } from '@portico/schemas';
import { startRedis, startRedisSentinel, type RedisProcess, type RedisSentinel } from '@portico/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { limitCount, type LimitCountConf, type LimitCountState } from './index.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
let master: RedisProcess;
let sentinel: RedisSentinel;
let admin: Redis;
const states: LimitCountState[] = [];

beforeAll(async () => {
  master = await startRedis();
  sentinel = await startRedisSentinel({ masterPort: master.port });
  admin = new Redis({ host: '127.0.0.1', port: master.port });
}, 30_000);
afterAll(async () => {
  for (const s of states) limitCount.destroy!(s);
  admin?.disconnect();
  await sentinel?.cleanup();
  await master?.cleanup();
});

function prepared(raw: Record<string, unknown>, resourceKey: string): LimitCountState {
  const conf = structuredClone(raw);
  const err = checkPluginConf(limitCount, conf, 'route');
  if (err) throw new Error(err);
  const s = limitCount.prepare!(conf as unknown as LimitCountConf, { resourceKey, scope: 'route', services });
  states.push(s);
  return s;
}

describe('limit-count policy redis-sentinel', () => {
  it('counts on the master the sentinel names', async () => {
    const conf = {
      count: 2,
      time_window: 60,
      policy: 'redis-sentinel',
      key_type: 'constant',
      key: 'k',
      redis_sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      redis_master_name: sentinel.masterName,
    };
    const stateA = prepared(conf, '/apisix/routes/sent');
    const stateB = prepared(conf, '/apisix/routes/sent');
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const ctx = fakeCtx();
      const reply = await limitCount.access!(ctx, i % 2 ? stateB : stateA);
      statuses.push([reply?.status ?? 200, ctx.respHeaders['X-RateLimit-Remaining']]);
    }
    expect(statuses).toEqual([
      [200, '1'],
      [200, '0'],
      [503, '0'],
    ]);
    const keys = await admin.keys('plugin-limit-count:v1:/apisix/routes/sent:*');
    expect(keys).toHaveLength(1);
    expect(await admin.get(keys[0]!)).toBe('3');
  });

  it('an unknown master name is a 500 {"error_msg":"failed to limit count"}', async () => {
    const s = prepared(
      {
        count: 2,
        time_window: 60,
        policy: 'redis-sentinel',
        redis_read_timeout: 200,
        redis_connect_timeout: 200,
        redis_sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
        redis_master_name: 'nope',
      },
      '/apisix/routes/sent-bad',
    );
    const reply = await limitCount.access!(fakeCtx(), s);
    expect(reply).toEqual({ status: 500, body: { error_msg: 'failed to limit count' } });
  });
});
