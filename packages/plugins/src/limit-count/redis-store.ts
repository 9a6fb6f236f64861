import type { RedisConnection, RedisScript } from '../redis-policy/connection.js';
import type { SlidingOutcome } from '../limit-shared/local-limits.js';

/**
 * Redis keys of limit-count: `plugin-limit-count:v1:<key>` for the fixed window (util.lua
 * redis_incoming with KEY_VERSION v1) and `plugin-limit-count:<key>.<window id>.counter`
 * for the sliding window (sliding-window.lua get_counter_key).
 */
export const FIXED_KEY_PREFIX = 'plugin-limit-count:v1:';
export const SLIDING_KEY_PREFIX = 'plugin-limit-count:';

/** util.lua commit_script: open the window with the first cost, else INCRBY; returns {consumed, pttl}. */
const FIXED_COMMIT: RedisScript = {
  name: 'limitCountCommit',
  numberOfKeys: 1,
  lua: `
assert(tonumber(ARGV[2]) >= 0, "cost must be at least 0")
local ttl = redis.call('pttl', KEYS[1])
if ttl < 0 then
  redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[1])
  return {tonumber(ARGV[2]), ARGV[1] * 1000}
end
return {redis.call('incrby', KEYS[1], ARGV[2]), ttl}
`,
};

/**
 * sliding-window/store/redis.lua check_incr_script: accept and add unless the current
 * window (plus the weighted previous one, passed in) reaches the limit; one key, so it is
 * slot-safe on a cluster. Returns {accepted, count, last}.
 */
const SLIDING_CHECK_INCR: RedisScript = {
  name: 'limitCountSliding',
  numberOfKeys: 1,
  lua: `
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window_size = tonumber(ARGV[3])
local remaining_time = tonumber(ARGV[4])
local expiry = ARGV[5]
local last = tonumber(ARGV[6])
if last > limit then last = limit end
local cur_ttl = redis.call('pttl', KEYS[1])
local cur = 0
if cur_ttl >= 0 then cur = tonumber(redis.call('get', KEYS[1]) or 0) end
if cur >= limit or last / window_size * remaining_time + cur >= limit then
  return {0, cur, last}
end
local new
if cur_ttl < 0 then
  redis.call('set', KEYS[1], cost, 'EX', expiry)
  new = cost
else
  new = redis.call('incrby', KEYS[1], cost)
end
return {1, new, last}
`,
};

/** One fixed-window commit: consumed after adding `cost`, and the window's PTTL. */
export async function redisFixedIncoming(
  conn: RedisConnection,
  key: string,
  windowSec: number,
  cost: number,
): Promise<{ consumed: number; ttlMs: number }> {
  const [consumed, ttl] = await conn.eval<[number, number]>(FIXED_COMMIT, FIXED_KEY_PREFIX + key, windowSec, cost);
  return { consumed: Number(consumed), ttlMs: Number(ttl) };
}

/** One sliding-window step; window ids come from this pod's clock, as ngx.now() in APISIX. */
export async function redisSlidingIncoming(
  conn: RedisConnection,
  key: string,
  limit: number,
  windowSec: number,
  cost: number,
  nowMs = Date.now(),
): Promise<SlidingOutcome> {
  const now = nowMs / 1000;
  const id = Math.floor(now / windowSec);
  const remainingTime = windowSec - (now % windowSec);
  // The previous window is frozen: a plain GET, so the script keeps to one key.
  const lastRaw = await conn.send(() => conn.client.get(`${SLIDING_KEY_PREFIX}${key}.${id - 1}.counter`));
  const last = lastRaw === null ? 0 : Number(lastRaw);
  const [accepted, count, lastCapped] = await conn.eval<[number, number, number]>(
    SLIDING_CHECK_INCR,
    `${SLIDING_KEY_PREFIX}${key}.${id}.counter`,
    cost,
    limit,
    windowSec,
    remainingTime,
    windowSec * 2,
    Number.isFinite(last) ? last : 0,
  );
  return { accepted: Number(accepted) === 1, count: Number(count), last: Number(lastCapped), remainingTime };
}
