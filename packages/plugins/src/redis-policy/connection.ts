import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

/**
 * The Redis fields of a `policy: redis | redis-cluster | redis-sentinel` plugin conf
 * (apisix/utils/redis-schema.lua, limit-count's sentinel block), defaults applied.
 */
export interface RedisPolicyConf {
  policy: string;
  redis_host?: string;
  redis_port?: number;
  redis_username?: string;
  redis_password?: string;
  redis_database?: number;
  redis_timeout?: number;
  redis_ssl?: boolean;
  redis_ssl_verify?: boolean;
  redis_cluster_nodes?: string[];
  redis_cluster_name?: string;
  redis_cluster_ssl?: boolean;
  redis_cluster_ssl_verify?: boolean;
  redis_sentinels?: { host: string; port: number }[];
  redis_master_name?: string;
  redis_role?: 'master' | 'slave';
  redis_connect_timeout?: number;
  redis_read_timeout?: number;
  sentinel_username?: string;
  sentinel_password?: string;
}

/** A server-side Lua script run as one EVALSHA (ioredis `defineCommand`). */
export interface RedisScript {
  /** Unique command name on the client. */
  name: string;
  numberOfKeys: number;
  lua: string;
}

type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

interface Shared {
  client: Redis | Cluster;
  refs: number;
  /** redis_timeout: the bound on one call, as APISIX sets it on every cosocket op. */
  timeoutMs: number;
  defined: Set<string>;
  /** Cluster only: settles when the cluster client next reaches `ready`. */
  ready?: Promise<void>;
}

/** A Redis Cluster call that could not run within redis_timeout. */
export class RedisClusterTimeoutError extends Error {
  readonly code = 'REDIS_CLUSTER_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`timeout: Redis Cluster not ready within ${timeoutMs}ms`);
    this.name = 'RedisClusterTimeoutError';
  }
}

// Connections are shared by every conf (of any plugin) that points at the same server with
// the same credentials, and closed when the last prepared state using them is destroyed.
const pool = new Map<string, Shared>();

function connectionId(c: RedisPolicyConf): string {
  return JSON.stringify([
    c.policy,
    c.redis_host,
    c.redis_port,
    c.redis_username,
    c.redis_password,
    c.redis_database,
    c.redis_timeout,
    c.redis_ssl,
    c.redis_ssl_verify,
    c.redis_cluster_nodes,
    c.redis_cluster_name,
    c.redis_cluster_ssl,
    c.redis_cluster_ssl_verify,
    c.redis_sentinels,
    c.redis_master_name,
    c.redis_role,
    c.redis_connect_timeout,
    c.redis_read_timeout,
    c.sentinel_username,
    c.sentinel_password,
  ]);
}

function timeoutOf(c: RedisPolicyConf): number {
  return c.policy === 'redis-sentinel' ? (c.redis_read_timeout ?? 1000) : (c.redis_timeout ?? 1000);
}

function makeClient(c: RedisPolicyConf): Redis | Cluster {
  const timeout = timeoutOf(c);
  // Fail fast while Redis is unreachable: queued commands time out after the timeout and
  // are flushed on each failed reconnect, so `allow_degradation` decides promptly.
  const common: RedisOptions = {
    connectTimeout: c.policy === 'redis-sentinel' ? (c.redis_connect_timeout ?? 1000) : timeout,
    commandTimeout: timeout,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
  const auth = {
    ...(c.redis_username ? { username: c.redis_username } : {}),
    ...(c.redis_password ? { password: c.redis_password } : {}),
  };
  let client: Redis | Cluster;
  if (c.policy === 'redis-cluster') {
    const nodes: ClusterNode[] = (c.redis_cluster_nodes ?? []).map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
    client = new Cluster(nodes, {
      clusterRetryStrategy: (times) => Math.min(times * 100, 1000),
      redisOptions: {
        ...common,
        ...(c.redis_password ? { password: c.redis_password } : {}),
        ...(c.redis_cluster_ssl ? { tls: { rejectUnauthorized: c.redis_cluster_ssl_verify ?? false } } : {}),
      },
    });
  } else if (c.policy === 'redis-sentinel') {
    client = new Redis({
      ...common,
      ...auth,
      sentinels: c.redis_sentinels ?? [],
      name: c.redis_master_name,
      role: c.redis_role ?? 'master',
      db: c.redis_database ?? 0,
      ...(c.sentinel_username ? { sentinelUsername: c.sentinel_username } : {}),
      ...(c.sentinel_password ? { sentinelPassword: c.sentinel_password } : {}),
    });
  } else {
    client = new Redis({
      ...common,
      ...auth,
      host: c.redis_host,
      port: c.redis_port ?? 6379,
      db: c.redis_database ?? 0,
      ...(c.redis_ssl ? { tls: { rejectUnauthorized: c.redis_ssl_verify ?? false, servername: c.redis_host } } : {}),
    });
  }
  // Errors surface on the commands; without a listener ioredis would print every reconnect failure.
  client.on('error', () => undefined);
  return client;
}

/**
 * One plugin state's handle on a pooled Redis / Redis Cluster / Sentinel connection
 * (the `policy: redis*` of limit-count, limit-req, limit-conn and ai-rate-limiting).
 */
export class RedisConnection {
  private released = false;

  private constructor(
    private readonly id: string | undefined,
    private readonly shared: Shared,
  ) {}

  /** Get (or open) the shared connection for this conf's redis fields. */
  static acquire(conf: RedisPolicyConf): RedisConnection {
    const id = connectionId(conf);
    let shared = pool.get(id);
    if (!shared) {
      shared = { client: makeClient(conf), refs: 0, timeoutMs: timeoutOf(conf), defined: new Set() };
      pool.set(id, shared);
    }
    shared.refs++;
    return new RedisConnection(id, shared);
  }

  /** A connection outside the shared pool (what a second pod has). */
  static open(conf: RedisPolicyConf): RedisConnection {
    return new RedisConnection(undefined, { client: makeClient(conf), refs: 1, timeoutMs: timeoutOf(conf), defined: new Set() });
  }

  /** The underlying client (plain commands). */
  get client(): Redis | Cluster {
    return this.shared.client;
  }

  /** Run `script` with its keys then arguments; one round trip (EVALSHA, EVAL on NOSCRIPT). */
  eval<T>(script: RedisScript, ...args: (string | number)[]): Promise<T> {
    const { client, defined } = this.shared;
    if (!defined.has(script.name)) {
      client.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
      defined.add(script.name);
    }
    const run = (client as unknown as Record<string, ScriptRunner>)[script.name]!.bind(client);
    return this.send(() => run(...args) as Promise<T>);
  }

  /** Send `call` on the client, bounded by redis_timeout while a cluster is not ready. */
  send<T>(call: () => Promise<T>): Promise<T> {
    const { client } = this.shared;
    return client instanceof Cluster && client.status !== 'ready' ? this.whenClusterReady(call) : call();
  }

  /**
   * ioredis parks commands issued while a Cluster is not `ready` in an offline queue that is
   * only flushed when clusterRetryStrategy gives up (never, here), so during an outage they
   * would hang instead of failing: wait for `ready` for at most redis_timeout, without
   * queueing, and send only then (a late send would charge after we reported failure).
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
