import type { RedisConnection, RedisScript } from '../redis-policy/connection.js';
import type { LeakyOutcome } from '../limit-shared/local-limits.js';

/** limit-req/util.lua: the bucket of `<key>` is the hash `limit_req:<key>` (fields excess, last). */
export const REDIS_KEY_PREFIX = 'limit_req:';

/**
 * limit-req/util.lua redis_commit_script: decay, add one request (1000) and store in one
 * atomic step; the first request of a key starts at excess 0. Returns {allowed, excess}
 * (excess as a string to keep its fraction).
 */
const COMMIT: RedisScript = {
  name: 'limitReqCommit',
  numberOfKeys: 1,
  lua: `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local state = redis.call('hmget', KEYS[1], 'excess', 'last')
local excess
if state[1] and state[2] then
  excess = math.max(tonumber(state[1]) - rate * math.abs(now - tonumber(state[2])) / 1000 + 1000, 0)
  if excess > burst then return {0, tostring(excess)} end
else
  excess = 0
end
redis.call('hset', KEYS[1], 'excess', excess, 'last', now)
redis.call('expire', KEYS[1], ttl)
return {1, tostring(excess)}
`,
};

/** One committed leaky-bucket step in Redis; rate and burst ×1000 (resty.limit.req units). */
export async function redisLeaky(
  conn: RedisConnection,
  key: string,
  rate: number,
  burst: number,
  nowMs = Date.now(),
): Promise<LeakyOutcome> {
  const ttl = Math.ceil(burst / rate) + 1;
  const [allowed, excess] = await conn.eval<[number, string]>(COMMIT, REDIS_KEY_PREFIX + key, rate, burst, nowMs, ttl);
  return Number(allowed) === 0 ? 'rejected' : { excess: Number(excess) };
}
