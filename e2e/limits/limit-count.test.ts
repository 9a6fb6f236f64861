// limit-count through the built data planes: the Redis policy shares one counter across
// 3 pods (real redis-server), `local` counts per pod, consumer-level confs count per consumer,
// groups share counters across routes, and the Admin API refuses bad confs with APISIX's text.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, startRedis, type EtcdProcess, type PorticoApps, type RedisProcess } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, startEchoUpstream, type Upstream } from '../helpers.js';
import { get, putRoute, quota } from './support.js';

let etcd: EtcdProcess;
let redis: RedisProcess;
let apps: PorticoApps;
let echo: Upstream;
let admin: Redis;
const pod = (i: number) => apps.dataPlanes[i % apps.dataPlanes.length]!.url;

beforeAll(async () => {
  [etcd, redis, echo] = await Promise.all([startEtcd(), startRedis(), startEchoUpstream('echo')]);
  admin = new Redis({ host: '127.0.0.1', port: redis.port });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, dataPlanes: 3 });
});
afterAll(async () => {
  admin?.disconnect();
  await apps?.stop();
  await echo?.close();
  await redis?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

const upstream = () => ({ type: 'roundrobin', nodes: { [echo.node]: 1 } });

describe('limit-count policy redis across 3 data planes', () => {
  it('admits `count` requests in total, round-robin over the pods, with exact X-RateLimit headers, then 429 with the message', async () => {
    await putRoute(apps, 'lc-redis', {
      uri: '/lc-redis',
      plugins: {
        'limit-count': {
          count: 5,
          time_window: 60,
          rejected_code: 429,
          rejected_msg: 'Requests are too frequent, please try again later.',
          key_type: 'constant',
          key: 'all',
          policy: 'redis',
          redis_host: '127.0.0.1',
          redis_port: redis.port,
        },
      },
      upstream: upstream(),
    });
    const seen = [];
    for (let i = 0; i < 7; i++) seen.push(await get(pod(i) + '/lc-redis'));
    expect(seen.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(seen.map(quota)).toEqual([
      ['5', '4'],
      ['5', '3'],
      ['5', '2'],
      ['5', '1'],
      ['5', '0'],
      ['5', '0'],
      ['5', '0'],
    ]);
    expect(seen[5]!.text).toBe('{"error_msg":"Requests are too frequent, please try again later."}\n');
    const reset = Number(seen[6]!.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(50);
    expect(reset).toBeLessThanOrEqual(60);
    const keys = await admin.keys('plugin-limit-count:v1:/apisix/routes/lc-redis:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^plugin-limit-count:v1:\/apisix\/routes\/lc-redis:[0-9a-f]{8}:all$/);
    expect(await admin.get(keys[0]!)).toBe('7');
  });

  it('holds the total under concurrent load on all pods: exactly `count` admitted', async () => {
    await putRoute(apps, 'lc-conc', {
      uri: '/lc-conc',
      plugins: {
        'limit-count': {
          count: 10,
          time_window: 60,
          key_type: 'constant',
          key: 'all',
          policy: 'redis',
          redis_host: '127.0.0.1',
          redis_port: redis.port,
        },
      },
      upstream: upstream(),
    });
    const all = await Promise.all(Array.from({ length: 24 }, (_, i) => get(pod(i) + '/lc-conc')));
    expect(all.filter((a) => a.status === 200)).toHaveLength(10);
    expect(all.filter((a) => a.status === 503)).toHaveLength(14);
  });

  it('with Redis down answers 500 {"error_msg":"failed to limit count"}, and passes with allow_degradation', async () => {
    const down = { count: 1, time_window: 60, policy: 'redis', redis_host: '127.0.0.1', redis_port: 1, redis_timeout: 200 };
    await putRoute(apps, 'lc-down', { uri: '/lc-down', plugins: { 'limit-count': down }, upstream: upstream() });
    await putRoute(apps, 'lc-soft', {
      uri: '/lc-soft',
      plugins: { 'limit-count': { ...down, allow_degradation: true } },
      upstream: upstream(),
    });
    const hard = await get(pod(0) + '/lc-down');
    expect([hard.status, hard.text]).toEqual([500, '{"error_msg":"failed to limit count"}\n']);
    expect((await get(pod(1) + '/lc-soft')).status).toBe(200);
  });
});

describe('limit-count policy local', () => {
  it('counts per pod: each of the 3 pods admits `count` for the same client', async () => {
    await putRoute(apps, 'lc-local', {
      uri: '/lc-local',
      plugins: { 'limit-count': { count: 2, time_window: 60 } },
      upstream: upstream(),
    });
    const statuses: number[][] = [[], [], []];
    for (let round = 0; round < 3; round++)
      for (let p = 0; p < 3; p++) statuses[p]!.push((await get(pod(p) + '/lc-local')).status);
    expect(statuses).toEqual([
      [200, 200, 503],
      [200, 200, 503],
      [200, 200, 503],
    ]);
  });

  it('a group shares one counter between two routes', async () => {
    const conf = { count: 3, time_window: 60, group: 'e2e-services', key_type: 'constant', key: 'k' };
    await putRoute(apps, 'lc-g1', { uri: '/lc-g1', plugins: { 'limit-count': conf }, upstream: upstream() });
    await putRoute(apps, 'lc-g2', { uri: '/lc-g2', plugins: { 'limit-count': conf }, upstream: upstream() });
    const seen = [
      await get(pod(0) + '/lc-g1'),
      await get(pod(0) + '/lc-g2'),
      await get(pod(0) + '/lc-g1'),
      await get(pod(0) + '/lc-g2'),
    ];
    expect(seen.map(quota)).toEqual([
      ['3', '2'],
      ['3', '1'],
      ['3', '0'],
      ['3', '0'],
    ]);
    expect(seen[3]!.status).toBe(503);
  });

  it('a consumer-level conf limits each consumer on its own, after key-auth identified it', async () => {
    for (const [username, key] of [
      ['ann', 'key-ann'],
      ['bob', 'key-bob'],
    ]) {
      const r = await adminRequest(apps, 'PUT', '/apisix/admin/consumers', {
        username,
        plugins: { 'key-auth': { key }, 'limit-count': { count: 1, time_window: 60, rejected_code: 403, key: 'remote_addr' } },
      });
      expect([200, 201]).toContain(r.status);
    }
    await putRoute(apps, 'lc-consumer', { uri: '/lc-consumer', plugins: { 'key-auth': {} }, upstream: upstream() });
    const ann1 = await get(pod(0) + '/lc-consumer', { apikey: 'key-ann' });
    const ann2 = await get(pod(0) + '/lc-consumer', { apikey: 'key-ann' });
    const bob1 = await get(pod(0) + '/lc-consumer', { apikey: 'key-bob' });
    expect([ann1.status, ann2.status, bob1.status]).toEqual([200, 403, 200]);
    expect(quota(bob1)).toEqual(['1', '0']);
  });

  it('a consumer group conf limits its members, authenticated through credentials (limit-count-consumer-group-credentials.t)', async () => {
    const puts: [string, unknown][] = [
      [
        'consumer_groups/lc_group',
        { plugins: { 'limit-count': { count: 2, time_window: 60, rejected_code: 429, key: 'remote_addr', policy: 'local' } } },
      ],
      [
        'consumer_groups/lc_premium',
        { plugins: { 'limit-count': { count: 10, time_window: 60, rejected_code: 429, key: 'remote_addr', policy: 'local' } } },
      ],
      ['consumers', { username: 'lc_user', group_id: 'lc_group' }],
      ['consumers/lc_user/credentials/cred-1', { plugins: { 'key-auth': { key: 'lc-user-key' } } }],
      ['consumers', { username: 'lc_premium_user', group_id: 'lc_premium' }],
      ['consumers/lc_premium_user/credentials/cred-2', { plugins: { 'key-auth': { key: 'lc-premium-key' } } }],
    ];
    for (const [path, body] of puts) {
      const r = await adminRequest(apps, 'PUT', `/apisix/admin/${path}`, body);
      expect([200, 201], r.text).toContain(r.status);
    }
    await putRoute(apps, 'lc-group', { uri: '/lc-group', plugins: { 'key-auth': {} }, upstream: upstream() });
    const basic = [];
    for (let i = 0; i < 3; i++) basic.push((await get(pod(0) + '/lc-group', { apikey: 'lc-user-key' })).status);
    expect(basic).toEqual([200, 200, 429]);
    const premium = [];
    for (let i = 0; i < 11; i++) premium.push((await get(pod(0) + '/lc-group', { apikey: 'lc-premium-key' })).status);
    expect(premium).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429]);
  });

  it('gives the anonymous consumer its own smaller quota (doc: Rate Limit with Anonymous Consumer)', async () => {
    const puts: [string, unknown][] = [
      ['consumers', { username: 'lc_john', plugins: { 'limit-count': { count: 3, time_window: 30, rejected_code: 429 } } }],
      ['consumers/lc_john/credentials/cred-john-key-auth', { plugins: { 'key-auth': { key: 'lc-john-key' } } }],
      ['consumers', { username: 'lc_anonymous', plugins: { 'limit-count': { count: 1, time_window: 30, rejected_code: 429 } } }],
    ];
    for (const [path, body] of puts) {
      const r = await adminRequest(apps, 'PUT', `/apisix/admin/${path}`, body);
      expect([200, 201], r.text).toContain(r.status);
    }
    await putRoute(apps, 'lc-anon', {
      uri: '/lc-anon',
      plugins: { 'key-auth': { anonymous_consumer: 'lc_anonymous' } },
      upstream: upstream(),
    });
    const john = [];
    for (let i = 0; i < 4; i++) john.push((await get(pod(2) + '/lc-anon', { apikey: 'lc-john-key' })).status);
    const anon = [];
    for (let i = 0; i < 2; i++) anon.push((await get(pod(2) + '/lc-anon')).status);
    expect([john, anon]).toEqual([
      [200, 200, 200, 429],
      [200, 429],
    ]);
  });

  it('names the headers from plugin_metadata', async () => {
    const m = await adminRequest(apps, 'PUT', '/apisix/admin/plugin_metadata/limit-count', {
      limit_header: 'X-Quota-Limit',
      remaining_header: 'X-Quota-Remaining',
      reset_header: 'X-Quota-Reset',
    });
    expect([200, 201]).toContain(m.status);
    await putRoute(apps, 'lc-meta', {
      uri: '/lc-meta',
      plugins: { 'limit-count': { count: 9, time_window: 60 } },
      upstream: upstream(),
    });
    const a = await get(pod(0) + '/lc-meta');
    expect([
      a.headers['x-quota-limit'],
      a.headers['x-quota-remaining'],
      a.headers['x-quota-reset'],
      a.headers['x-ratelimit-limit'],
    ]).toEqual(['9', '8', '60', undefined]);
    await adminRequest(apps, 'DELETE', '/apisix/admin/plugin_metadata/limit-count');
  });
});

describe('global rules and plugin_configs', () => {
  it('a plugin_config carries limit-count to the route that references it', async () => {
    const pc = await adminRequest(apps, 'PUT', '/apisix/admin/plugin_configs/lc-pc', {
      plugins: { 'limit-count': { count: 1, time_window: 60, rejected_code: 429 } },
    });
    expect([200, 201]).toContain(pc.status);
    await putRoute(apps, 'lc-pc', { uri: '/lc-pc', plugin_config_id: 'lc-pc', upstream: upstream() });
    expect([(await get(pod(0) + '/lc-pc')).status, (await get(pod(0) + '/lc-pc')).status]).toEqual([200, 429]);
  });

  it('a global rule and a route with limit-count both count, each on its own counter; the later one writes the headers', async () => {
    await putRoute(apps, 'lc-both', {
      uri: '/lc-both',
      plugins: { 'limit-count': { count: 1, time_window: 60, key_type: 'constant', key: 'k' } },
      upstream: upstream(),
    });
    const g = await adminRequest(apps, 'PUT', '/apisix/admin/global_rules/lc-global', {
      plugins: {
        'limit-count': { count: 3, time_window: 60, key_type: 'var_combination', key: 'global:$uri', rejected_code: 429 },
      },
    });
    expect([200, 201]).toContain(g.status);
    // Wait for the global rule through a fresh probe route (config arrives in revision order).
    await putRoute(apps, 'lc-after-global', { uri: '/lc-after-global', upstream: upstream() });
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await get(pod(0) + '/lc-both'));
    try {
      // The global rule keys on the URI, so the probe requests did not touch this counter.
      expect(seen.map((a) => [a.status, ...quota(a)])).toEqual([
        [200, '1', '0'], // global 2 left, route 0 left (the route writes last)
        [503, '1', '0'], // global 1 left, the route rejects
        [503, '1', '0'], // global 0 left, the route rejects
        [429, '3', '0'], // global exhausted: the route never runs
      ]);
    } finally {
      await adminRequest(apps, 'DELETE', '/apisix/admin/global_rules/lc-global');
    }
  });
});

describe('Admin API checks', () => {
  const put = (plugins: Record<string, unknown>) =>
    adminRequest(apps, 'PUT', '/apisix/admin/routes/lc-bad', { uri: '/lc-bad', plugins, upstream: upstream() });
  it('refuses invalid confs with APISIX messages', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { 'limit-count': { count: -100, time_window: 60 } },
        'failed to check the configuration of plugin limit-count err: property "count" validation failed: value should match only one schema, but matches none',
      ],
      [
        { 'limit-count': { count: 1, time_window: 60, rules: [{ count: 1, time_window: 1, key: '$remote_addr' }] } },
        'failed to check the configuration of plugin limit-count err: count/time_window and rules cannot be specified at the same time',
      ],
      [
        { 'limit-count': { count: 1, time_window: 60, group: 'e2e-services' } },
        'failed to check the configuration of plugin limit-count err: group conf mismatched',
      ],
      [
        { 'limit-req': { rate: -1, burst: 0, key: 'remote_addr' } },
        'failed to check the configuration of plugin limit-req err: property "rate" validation failed: expected -1 to be greater than 0',
      ],
      [
        { 'limit-conn': { conn: 1, burst: 0, default_conn_delay: 0.1, key: 'remote_addr', allow_degradation: 'true' } },
        'failed to check the configuration of plugin limit-conn err: property "allow_degradation" validation failed: wrong type: expected boolean, got string',
      ],
    ];
    for (const [plugins, msg] of cases) {
      const r = await put(plugins);
      expect([r.status, r.json()]).toEqual([400, { error_msg: msg }]);
    }
  });
});
