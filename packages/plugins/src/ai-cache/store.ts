import { packFloat32 } from '../ai-embeddings/vector.js';
import { RedisConnection, type RedisScript } from '../redis-policy/connection.js';
import type { Redis } from 'ioredis';
import type { AiCacheConf } from './schema.js';

/** How a stored body is replayed: a JSON body or raw SSE frames. */
export type CacheFormat = 'json' | 'sse';

/** A stored response, from either layer. */
export interface CacheEntry {
  body: string;
  /** Unix seconds when it was stored. */
  created_at: number;
  format: CacheFormat;
}

export interface SemanticHit extends CacheEntry {
  /** Cosine similarity of the query and the stored prompt (1 − cosine distance). */
  similarity: number;
}

/** What an L2 write stores besides the response. */
export interface L2Doc {
  /** `<index>:l2:<embedding id>:<dim>:` */
  prefix: string;
  /** The partition's member set (see {@link KNN_SCRIPT}). */
  setKey: string;
  partition: string;
  fingerprint: string;
  embedding: readonly number[];
  ttl: number;
}

/**
 * Nearest neighbour in one partition, computed inside Redis. APISIX keeps L2 entries in a
 * RediSearch HNSW index (FT.CREATE / FT.SEARCH KNN with a partition TAG filter); plain Redis
 * has no such module, so each partition keeps a set of its entry keys and this script scans
 * it: cosine distance over the stored FLOAT32 vectors, expired members dropped on the way.
 * Returns {response, created_at, format, distance} of the closest entry, or nil.
 */
export const KNN_SCRIPT: RedisScript = {
  name: 'aiCacheKnn',
  numberOfKeys: 1,
  lua: `
local dim = tonumber(ARGV[2])
local qv = ARGV[1]
if #qv ~= dim * 4 then return nil end
local q, qn = {}, 0
for i = 1, dim do
  local x = struct.unpack('<f', qv, (i - 1) * 4 + 1)
  q[i] = x
  qn = qn + x * x
end
qn = math.sqrt(qn)
local best, bestDist
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local e = redis.call('HGET', k, 'embedding')
  if not e then
    redis.call('SREM', KEYS[1], k)
  elseif #e == dim * 4 then
    local d, n = 0, 0
    for i = 1, dim do
      local x = struct.unpack('<f', e, (i - 1) * 4 + 1)
      d = d + x * q[i]
      n = n + x * x
    end
    local sim = 0
    if n > 0 and qn > 0 then sim = d / (math.sqrt(n) * qn) end
    local dist = 1 - sim
    if bestDist == nil or dist < bestDist then best, bestDist = k, dist end
  end
end
if not best then return nil end
local f = redis.call('HMGET', best, 'response', 'created_at', 'format')
if not f[1] then return nil end
return {f[1], f[2] or '0', f[3] or 'json', string.format('%.17g', bestDist)}
`,
};

function parseEntry(raw: string | null): CacheEntry | undefined {
  if (raw === null) return undefined;
  try {
    const e = JSON.parse(raw) as Partial<CacheEntry>;
    if (typeof e.body !== 'string') return undefined;
    return { body: e.body, created_at: Number(e.created_at) || 0, format: e.format === 'sse' ? 'sse' : 'json' };
  } catch {
    return undefined;
  }
}

/** The Redis side of ai-cache for one conf: L1 entries (GET/SET EX) and L2 entries (hashes per partition). */
export class CacheStore {
  private readonly conn: RedisConnection;

  constructor(conf: AiCacheConf) {
    this.conn = RedisConnection.acquire(conf);
  }

  private get redis(): Redis {
    return this.conn.client as Redis;
  }

  /** The L1 entry under `key`; a malformed one counts as absent. Throws on Redis errors. */
  async getL1(key: string): Promise<CacheEntry | undefined> {
    return parseEntry(await this.redis.get(key));
  }

  async setL1(key: string, entry: CacheEntry, ttl: number): Promise<void> {
    await this.redis.set(key, JSON.stringify(entry), 'EX', ttl);
  }

  /** Closest L2 entry of the partition set `setKey`, with its similarity. Throws on Redis errors. */
  async knn(setKey: string, vec: readonly number[]): Promise<SemanticHit | undefined> {
    const r = await this.conn.eval<[string, string, string, string] | null>(KNN_SCRIPT, setKey, packFloat32(vec), vec.length);
    if (!r) return undefined;
    const distance = Number(r[3]);
    if (!Number.isFinite(distance)) return undefined;
    return { body: r[0], created_at: Number(r[1]) || 0, format: r[2] === 'sse' ? 'sse' : 'json', similarity: 1 - distance };
  }

  /** Store `entry` in L1 and, with `l2`, as an L2 document of its partition. */
  async write(l1: string, entry: CacheEntry, l1Ttl: number, l2: L2Doc | undefined): Promise<void> {
    const m = this.redis.multi().set(l1, JSON.stringify(entry), 'EX', l1Ttl);
    if (l2) {
      const docKey = `${l2.prefix}${l2.partition}:${l2.fingerprint}`;
      m.hset(docKey, {
        partition: l2.partition,
        embedding: packFloat32(l2.embedding),
        response: entry.body,
        created_at: entry.created_at,
        format: entry.format,
      })
        .expire(docKey, l2.ttl)
        .sadd(l2.setKey, docKey)
        .expire(l2.setKey, l2.ttl);
    }
    const res = await m.exec();
    const failed = res?.find(([err]) => err !== null);
    if (failed) throw failed[0]!;
  }

  release(): void {
    this.conn.release();
  }
}
