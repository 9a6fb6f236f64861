import { RedisConnection, type RedisPolicyConf, type RedisScript } from '../../redis-policy/connection.js';
import type { CounterState, CounterStore } from './types.js';

export { RedisClusterTimeoutError } from '../../redis-policy/connection.js';

/**
 * Key layout (one string key per counter, value = tokens consumed, TTL = window):
 *   plugin-ai-rate-limiting:v1:<resource key>:<conf hash>:<instance name | rule key>
 * e.g. `plugin-ai-rate-limiting:v1:/apisix/routes/1:8f3a01c2:openai`. The `v1` mirrors
 * APISIX limit-count's KEY_VERSION so a storage-format change never reuses old keys.
 */
export const REDIS_KEY_PREFIX = 'plugin-ai-rate-limiting:v1:';

/**
 * One round trip per check/commit: read the TTL, open the window on the first positive
 * cost, otherwise INCRBY (0 for a dry run). Same shape as APISIX's limit-count commit
 * script (apisix/plugins/limit-count/util.lua) except that a dry run never opens a window.
 */
const INCOMING: RedisScript = {
  name: 'aiRateIncoming',
  numberOfKeys: 1,
  lua: `
local cost = tonumber(ARGV[2])
local ttl = redis.call('pttl', KEYS[1])
if ttl < 0 then
  if cost == 0 then return {0, -1} end
  local ms = tonumber(ARGV[1]) * 1000
  redis.call('set', KEYS[1], cost, 'PX', ms)
  return {cost, ms}
end
return {redis.call('incrby', KEYS[1], cost), ttl}
`,
};

/**
 * Counters in Redis (or a Redis Cluster), shared by every pod pointed at it. `keyPrefix`
 * names the owner (ai-rate-limiting by default; ai-budget keeps its spend under its own).
 */
export class RedisCounterStore implements CounterStore {
  private constructor(
    private readonly conn: RedisConnection,
    private readonly keyPrefix: string,
  ) {}

  /** Get (or open) the shared connection for this conf's redis fields. */
  static acquire(conf: RedisPolicyConf, keyPrefix = REDIS_KEY_PREFIX): RedisCounterStore {
    return new RedisCounterStore(RedisConnection.acquire(conf), keyPrefix);
  }

  /** A store with its own connection, outside the shared pool (what a second pod has). */
  static open(conf: RedisPolicyConf, keyPrefix = REDIS_KEY_PREFIX): RedisCounterStore {
    return new RedisCounterStore(RedisConnection.open(conf), keyPrefix);
  }

  async incoming(key: string, windowSec: number, cost: number): Promise<CounterState> {
    const [consumed, ttlMs] = await this.conn.eval<[number, number]>(INCOMING, this.keyPrefix + key, windowSec, cost);
    return { consumed: Number(consumed), ttlMs: Number(ttlMs) };
  }

  release(): void {
    this.conn.release();
  }
}
