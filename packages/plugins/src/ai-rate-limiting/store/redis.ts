import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import type { AiRateLimitingConf } from '../schema.js';
import type { CounterState, CounterStore } from './types.js';

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
const INCOMING_LUA = `
local cost = tonumber(ARGV[2])
local ttl = redis.call('pttl', KEYS[1])
if ttl < 0 then
  if cost == 0 then return {0, -1} end
  local ms = tonumber(ARGV[1]) * 1000
  redis.call('set', KEYS[1], cost, 'PX', ms)
  return {cost, ms}
end
return {redis.call('incrby', KEYS[1], cost), ttl}
`;

type Client = (Redis | Cluster) & {
  aiRateIncoming(key: string, windowSec: number, cost: number): Promise<[number, number]>;
};

interface Shared {
  client: Client;
  refs: number;
  /** redis_timeout: the bound on one check/commit, as APISIX sets it on every cosocket op. */
  timeoutMs: number;
  /** Cluster only: settles when the cluster client next reaches `ready`. */
  ready?: Promise<void>;
}

/** A Redis Cluster check/commit that could not run within redis_timeout. */
export class RedisClusterTimeoutError extends Error {
  readonly code = 'REDIS_CLUSTER_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`timeout: Redis Cluster not ready within ${timeoutMs}ms`);
    this.name = 'RedisClusterTimeoutError';
  }
}

// Connections are shared by every conf that points at the same server with the same
// credentials, and closed when the last revision using them is destroyed.
const pool = new Map<string, Shared>();

function connectionId(conf: AiRateLimitingConf): string {
  return JSON.stringify([
    conf.policy, conf.redis_host, conf.redis_port, conf.redis_username, conf.redis_password,
    conf.redis_database, conf.redis_timeout, conf.redis_ssl, conf.redis_ssl_verify,
    conf.redis_cluster_nodes, conf.redis_cluster_name, conf.redis_cluster_ssl, conf.redis_cluster_ssl_verify,
  ]);
}

function makeClient(conf: AiRateLimitingConf): Client {
  const timeout = conf.redis_timeout ?? 1000;
  // Fail fast while Redis is unreachable: queued commands time out after redis_timeout and
  // are flushed on each failed reconnect, so `allow_degradation` decides promptly.
  const common: RedisOptions = {
    connectTimeout: timeout,
    commandTimeout: timeout,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    keyPrefix: REDIS_KEY_PREFIX,
  };
  let client: Redis | Cluster;
  if (conf.policy === 'redis-cluster') {
    const nodes: ClusterNode[] = (conf.redis_cluster_nodes ?? []).map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
    client = new Cluster(nodes, {
      clusterRetryStrategy: (times) => Math.min(times * 100, 1000),
      redisOptions: {
        ...common,
        ...(conf.redis_password ? { password: conf.redis_password } : {}),
        ...(conf.redis_cluster_ssl ? { tls: { rejectUnauthorized: conf.redis_cluster_ssl_verify ?? false } } : {}),
      },
      keyPrefix: REDIS_KEY_PREFIX,
    });
  } else {
    client = new Redis({
      ...common,
      host: conf.redis_host,
      port: conf.redis_port ?? 6379,
      db: conf.redis_database ?? 0,
      ...(conf.redis_username ? { username: conf.redis_username } : {}),
      ...(conf.redis_password ? { password: conf.redis_password } : {}),
      ...(conf.redis_ssl
        ? { tls: { rejectUnauthorized: conf.redis_ssl_verify ?? false, servername: conf.redis_host } }
        : {}),
    });
  }
  // Errors surface on the commands; without a listener ioredis would print every reconnect failure.
  client.on('error', () => undefined);
  client.defineCommand('aiRateIncoming', { numberOfKeys: 1, lua: INCOMING_LUA });
  return client as Client;
}

/** Counters in Redis (or a Redis Cluster), shared by every pod pointed at it. */
export class RedisCounterStore implements CounterStore {
  private released = false;

  private constructor(
    private readonly id: string | undefined,
    private readonly shared: Shared,
  ) {}

  /** Get (or open) the shared connection for this conf's redis fields. */
  static acquire(conf: AiRateLimitingConf): RedisCounterStore {
    const id = connectionId(conf);
    let shared = pool.get(id);
    if (!shared) {
      shared = { client: makeClient(conf), refs: 0, timeoutMs: conf.redis_timeout ?? 1000 };
      pool.set(id, shared);
    }
    shared.refs++;
    return new RedisCounterStore(id, shared);
  }

  /** A store with its own connection, outside the shared pool (what a second pod has). */
  static open(conf: AiRateLimitingConf): RedisCounterStore {
    return new RedisCounterStore(undefined, { client: makeClient(conf), refs: 1, timeoutMs: conf.redis_timeout ?? 1000 });
  }

  async incoming(key: string, windowSec: number, cost: number): Promise<CounterState> {
    const { client } = this.shared;
    const [consumed, ttlMs] = client instanceof Cluster && client.status !== 'ready'
      ? await this.whenClusterReady(() => client.aiRateIncoming(key, windowSec, cost))
      : await client.aiRateIncoming(key, windowSec, cost);
    return { consumed: Number(consumed), ttlMs: Number(ttlMs) };
  }

  /**
   * ioredis parks commands issued while a Cluster is not `ready` in an offline queue that is
   * only flushed when clusterRetryStrategy gives up (never, here), so during an outage they
   * would hang instead of failing: wait for `ready` for at most redis_timeout, without
   * queueing, and send only then (a late send would charge tokens after we reported failure).
   */
  private async whenClusterReady<T>(send: () => Promise<T>): Promise<T> {
    const shared = this.shared;
    const client = shared.client as Cluster;
    shared.ready ??= new Promise<void>((resolve) => {
      client.once('ready', () => {
        shared.ready = undefined;
        resolve();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), shared.timeoutMs);
    });
    const ready = await Promise.race([shared.ready.then(() => true as const), expired]);
    clearTimeout(timer);
    if (!ready) throw new RedisClusterTimeoutError(shared.timeoutMs);
    return send();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (--this.shared.refs === 0) {
      if (this.id !== undefined) pool.delete(this.id);
      this.shared.client.disconnect();
    }
  }
}
