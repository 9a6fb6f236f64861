import type { RedisConnection, RedisScript } from '../redis-policy/connection.js';

/** limit-conn/util.lua: the connections of `<key>` are the sorted set `limit_conn:<key>`. */
export const REDIS_KEY_PREFIX = 'limit_conn:';

/**
 * limit-conn/util.lua redis_incoming_script: drop members past their deadline, refuse at
 * `limit`, else add this request (score now + ttl) and refresh the key's TTL.
 * Returns {allowed, count}.
 */
const INCOMING: RedisScript = {
  name: 'limitConnIncoming',
  numberOfKeys: 1,
  lua: `
local limit = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then return {0, count} end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[4])
redis.call('EXPIRE', KEYS[1], ttl)
return {1, count + 1}
`,
};

/** Count this request in; `limit` = conn + burst. */
export async function redisConnIn(
  conn: RedisConnection,
  key: string,
  limit: number,
  ttl: number,
  reqId: string,
): Promise<number | 'rejected'> {
  const now = Math.floor(Date.now() / 1000);
  const [allowed, count] = await conn.eval<[number, number]>(INCOMING, REDIS_KEY_PREFIX + key, limit, ttl, now, reqId);
  return Number(allowed) === 0 ? 'rejected' : Number(count);
}

/** Count this request out. */
export async function redisConnOut(conn: RedisConnection, key: string, reqId: string): Promise<void> {
  await conn.send(() => conn.client.zrem(REDIS_KEY_PREFIX + key, reqId));
}
