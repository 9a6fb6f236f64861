import { normalize, packFloat32 } from '../ai-embeddings/vector.js';
import { RedisConnection } from '../redis-policy/connection.js';
import type { Redis } from 'ioredis';
import type { AiCacheConf } from './schema.js';
import { dotUnit, unitFromFloat32, VectorCache } from './vector-cache.js';

/** Vectors of L2 entries held per process: 16M components (64 MiB). */
const vectors = new VectorCache(16 * 1024 * 1024);

/** Closest candidates tried when the best entry expired between SMEMBERS and its read. */
const MAX_TRIES = 3;

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
  /** The partition's member set (see {@link CacheStore.knn}). */
  setKey: string;
  partition: string;
  fingerprint: string;
  embedding: readonly number[];
  ttl: number;
}

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

  /** Namespace of this Redis server's keys in the process-wide vector cache. */
  private readonly ns: string;

  constructor(conf: AiCacheConf) {
    this.conn = RedisConnection.acquire(conf);
    this.ns = `${conf.redis_host}:${conf.redis_port ?? 6379}/${conf.redis_database ?? 0}|`;
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

  /**
   * Closest L2 entry of the partition set `setKey`, with its similarity; throws on Redis errors.
   *
   * APISIX asks RediSearch (`FT.SEARCH … KNN` with a partition TAG filter); plain Redis has no
   * vector index, so each partition keeps a SET of its entry keys: the members are read, vectors
   * not yet known to this process are fetched once (`HGET embedding`, FLOAT32), the cosine
   * similarity of each is computed here, and the best entry's response is read. Members whose
   * entry expired are removed from the set.
   */
  async knn(setKey: string, vec: readonly number[]): Promise<SemanticHit | undefined> {
    const r = this.redis;
    const members = await r.smembers(setKey);
    if (members.length === 0) return undefined;
    const dim = vec.length;
    const ns = this.ns;
    const q = new Float32Array(normalize(vec));
    const scored: { key: string; sim: number }[] = [];
    const missing: string[] = [];
    for (const k of members) {
      const v = vectors.get(ns + k);
      if (v === undefined) missing.push(k);
      else if (v.length === dim) scored.push({ key: k, sim: dotUnit(q, v) });
    }
    const gone: string[] = [];
    if (missing.length > 0) {
      const p = r.pipeline();
      for (const k of missing) p.hgetBuffer(k, 'embedding');
      const res = (await p.exec()) ?? [];
      missing.forEach((k, i) => {
        const [err, raw] = res[i] ?? [null, null];
        if (err) throw err;
        if (raw === null) {
          gone.push(k);
          return;
        }
        const v = unitFromFloat32(raw as Buffer, dim);
        if (v === undefined) return;
        vectors.set(ns + k, v);
        scored.push({ key: k, sim: dotUnit(q, v) });
      });
    }
    scored.sort((a, b) => b.sim - a.sim);
    let hit: SemanticHit | undefined;
    for (const c of scored.slice(0, MAX_TRIES)) {
      const [body, created, format] = await r.hmget(c.key, 'response', 'created_at', 'format');
      if (body === null || body === undefined) {
        gone.push(c.key);
        continue;
      }
      hit = { body, created_at: Number(created) || 0, format: format === 'sse' ? 'sse' : 'json', similarity: c.sim };
      break;
    }
    if (gone.length > 0) {
      for (const k of gone) vectors.delete(ns + k);
      await r.srem(setKey, ...gone).catch(() => undefined);
    }
    return hit;
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
