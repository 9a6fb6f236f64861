import { checkPluginConf, checkPlugins } from '@portico/schemas';
import { beforeEach, describe, expect, it } from 'vitest';
import { limitCount } from './index.js';
import { resetLimitCountGroups } from './schema.js';

const check = (conf: Record<string, unknown>, type: 'route' | 'consumer' | 'metadata' = 'route') =>
  checkPluginConf(limitCount, structuredClone(conf), type);

beforeEach(() => resetLimitCountGroups());

describe('limit-count schema (APISIX 3.18 limit-count/init.lua, limit-count*.t)', () => {
  it('has APISIX priority 1002 and version 0.5', () => {
    expect([limitCount.name, limitCount.priority, limitCount.version]).toEqual(['limit-count', 1002, 0.5]);
  });

  const table: { conf: Record<string, unknown>; err: string | undefined }[] = [
    { conf: { count: 2, time_window: 60 }, err: undefined },
    { conf: { count: 2 }, err: 'value should match only one schema, but matches none' },
    {
      conf: { count: -100, time_window: 60 },
      err: 'property "count" validation failed: value should match only one schema, but matches none',
    },
    {
      conf: { count: 0, time_window: 60 },
      err: 'property "count" validation failed: value should match only one schema, but matches none',
    },
    { conf: { count: '${http_count ?? 2}', time_window: '${arg_w}' }, err: undefined },
    {
      conf: { count: 2, time_window: 60, rejected_code: 199 },
      err: 'property "rejected_code" validation failed: expected 199 to be at least 200',
    },
    {
      conf: { count: 2, time_window: 60, rejected_msg: '' },
      err: 'property "rejected_msg" validation failed: string too short, expected at least 1, got 0',
    },
    {
      conf: { count: 2, time_window: 60, rejected_msg: true },
      err: 'property "rejected_msg" validation failed: wrong type: expected string, got boolean',
    },
    {
      conf: { count: 2, time_window: 60, key_type: 'host' },
      err: 'property "key_type" validation failed: matches none of the enum values',
    },
    {
      conf: { count: 2, time_window: 60, window_type: 'rolling' },
      err: 'property "window_type" validation failed: matches none of the enum values',
    },
    { conf: { count: 2, time_window: 60, policy: 'redis' }, err: 'then clause did not match' },
    { conf: { count: 2, time_window: 60, policy: 'redis', redis_host: '127.0.0.1' }, err: undefined },
    {
      conf: { count: 2, time_window: 60, policy: 'redis-cluster', redis_cluster_nodes: ['127.0.0.1:5000'] },
      err: 'else clause did not match',
    },
    {
      conf: {
        count: 2,
        time_window: 60,
        policy: 'redis-cluster',
        redis_cluster_nodes: ['127.0.0.1:5000'],
        redis_cluster_name: 'c',
      },
      err: undefined,
    },
    {
      conf: {
        count: 2,
        time_window: 60,
        policy: 'redis-sentinel',
        redis_sentinels: [{ host: '127.0.0.1', port: 26379 }],
        redis_master_name: 'mymaster',
      },
      err: undefined,
    },
    {
      conf: { count: 2, time_window: 60, rules: [{ count: 1, time_window: 1, key: '$remote_addr' }] },
      err: 'count/time_window and rules cannot be specified at the same time',
    },
    {
      conf: {
        rules: [
          { count: 1, time_window: 10, key: '${http_company}' },
          { count: 2, time_window: 20, key: '${http_company}' },
        ],
      },
      err: "duplicate key '${http_company}' in rules",
    },
    {
      conf: { rules: [{ count: 1, time_window: 10, key: '${http_a}' }], group: 'g' },
      err: 'group and rules cannot be specified at the same time',
    },
    {
      conf: { count: 2, time_window: 60, policy: 'redis', redis_host: '127.0.0.1', sync_interval: 0.05 },
      err: 'sync_interval should not be smaller than 0.1',
    },
    {
      conf: { count: 2, time_window: 60, policy: 'redis', redis_host: '127.0.0.1', sync_interval: 60 },
      err: 'sync_interval should be smaller than time_window',
    },
    { conf: { count: 2, time_window: 60, sync_interval: 0.05 }, err: undefined },
  ];
  for (const t of table) {
    it(`${JSON.stringify(t.conf)} → ${t.err ?? 'passes'}`, () => {
      expect(check(t.conf)).toBe(t.err);
    });
  }

  it('applies APISIX defaults and persists them into the conf', () => {
    const conf: Record<string, unknown> = { count: 2, time_window: 60 };
    expect(checkPluginConf(limitCount, conf, 'route')).toBeUndefined();
    expect(conf).toEqual({
      count: 2,
      time_window: 60,
      window_type: 'fixed',
      key: 'remote_addr',
      key_type: 'var',
      rejected_code: 503,
      policy: 'local',
      allow_degradation: false,
      show_limit_quota_header: true,
      sync_interval: -1,
    });
  });

  it('refuses a second conf of the same group that differs, with the admin message', () => {
    const plugins = (count: number) => ({ 'limit-count': { count, time_window: 60, group: 'services_1' } });
    expect(checkPlugins(plugins(1), () => limitCount, 'route')).toBeUndefined();
    expect(checkPlugins(plugins(1), () => limitCount, 'route')).toBeUndefined();
    expect(checkPlugins(plugins(2), () => limitCount, 'route')).toBe(
      'failed to check the configuration of plugin limit-count err: group conf mismatched',
    );
  });

  it('checks plugin metadata against the header-name schema', () => {
    const meta: Record<string, unknown> = { limit_header: 'X-Limit' };
    expect(checkPluginConf(limitCount, meta, 'metadata')).toBeUndefined();
    expect(meta).toEqual({
      limit_header: 'X-Limit',
      remaining_header: 'X-RateLimit-Remaining',
      reset_header: 'X-RateLimit-Reset',
    });
    expect(check({ limit_header: 1 }, 'metadata')).toBe(
      'property "limit_header" validation failed: wrong type: expected string, got number',
    );
  });

  it('stores redis_password and sentinel_password encrypted', () => {
    expect(limitCount.encryptFields).toEqual(['redis_password', 'sentinel_password']);
  });
});
