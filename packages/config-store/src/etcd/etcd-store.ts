import { Etcd3, isRecoverableError, type IOptions, type IPutRequest } from 'etcd3';
import {
  ConfigStoreError,
  type ConfigStore,
  type DeleteResult,
  type KeyValue,
  type ListResult,
  type PutOptions,
  type PutResult,
  type WatchMessage,
  type WatchOptions,
} from '../types.js';
import { prefixRange, toKeyValue, withDeadline } from './codec.js';
import { EtcdWatch } from './etcd-watch.js';

/** Connection settings for EtcdConfigStore (conf: deployment.etcd). */
export interface EtcdConfigStoreOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379"]. */
  hosts: string[];
  /** Upper bound for every call (and for establishing a watch stream). */
  timeoutMs: number;
  auth?: { username: string; password: string };
}

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/**
 * A policy that retries a recoverable failure on the next host (the pool picks a new host per
 * attempt) at most once per host, without etcd3's default circuit breaker: the breaker would
 * keep refusing calls for 5 s after etcd comes back.
 */
function retryEachHostOnce(hosts: number): Policy {
  const noEvent = (): { dispose(): void } => ({ dispose: () => undefined });
  const policy = {
    onSuccess: noEvent,
    onFailure: noEvent,
    async execute<T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> {
      const signal = new AbortController().signal;
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn({ signal });
        } catch (err) {
          if (attempt >= hosts || !(err instanceof Error) || !isRecoverableError(err)) throw err;
        }
      }
    },
  };
  return policy as unknown as Policy;
}

const noopPolicy = (): Policy => retryEachHostOnce(1);

/**
 * ConfigStore on a real etcd v3 cluster (gRPC via the `etcd3` package). Every call is bounded
 * by `timeoutMs` and fails with ConfigStoreError('unavailable') instead of hanging.
 *
 * Watch contract: see {@link EtcdWatch} — after a `reset` message the iterator ends and the
 * consumer relists, then calls `watch()` again from `list().revision + 1`.
 */
export class EtcdConfigStore implements ConfigStore {
  private readonly client: Etcd3;
  private readonly timeoutMs: number;
  private readonly watches = new Set<EtcdWatch>();
  private closed = false;

  constructor(opts: EtcdConfigStoreOptions) {
    this.timeoutMs = opts.timeoutMs;
    const ms = opts.timeoutMs;
    this.client = new Etcd3({
      hosts: opts.hosts,
      ...(opts.auth ? { auth: { ...opts.auth, callOptions: () => ({ deadline: Date.now() + ms }) } } : {}),
      dialTimeout: ms,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + ms }),
      faultHandling: { host: noopPolicy, global: retryEachHostOnce(opts.hosts.length) },
      grpcOptions: {
        // APISIX configs (e.g. all routes) can exceed grpc's 4 MiB default.
        'grpc.max_receive_message_length': 128 * 1024 * 1024,
        // Notice dead peers without RST (partitions); etcd allows pings every 5 s.
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 2_000,
      },
    });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call('get', () => this.client.kv.range({ key: Buffer.from(key, 'utf8') }));
    const kv = res.kvs[0];
    return kv ? toKeyValue(kv) : undefined;
  }

  async list(prefix: string): Promise<ListResult> {
    const res = await this.call('list', () => this.client.kv.range(prefixRange(prefix)));
    return { revision: Number(res.header.revision), entries: res.kvs.map(toKeyValue) };
  }

  async put(key: string, value: string, opts: PutOptions = {}): Promise<PutResult> {
    return this.call('put', async () => {
      const req: IPutRequest = { key: Buffer.from(key, 'utf8'), value: Buffer.from(value, 'utf8'), prev_kv: true };
      if (opts.ttlSeconds !== undefined) {
        // APISIX ?ttl=: grant a lease and attach it (apisix/core/etcd.lua set with ttl).
        const lease = await this.client.leaseClient.leaseGrant({ TTL: Math.max(1, Math.ceil(opts.ttlSeconds)) });
        req.lease = lease.ID;
      }
      if (opts.ifModRevision === undefined) {
        const res = await this.client.kv.put(req);
        return putResult(Number(res.header.revision), res.prev_kv);
      }
      // CAS: a missing key compares as mod_revision 0, so 0 means "create only".
      const res = await this.client.kv.txn({
        compare: [{ key: req.key, target: 'Mod', result: 'Equal', mod_revision: opts.ifModRevision }],
        success: [{ request_put: req }],
        failure: [],
      });
      if (!res.succeeded) {
        if (req.lease !== undefined) void this.client.leaseClient.leaseRevoke({ ID: req.lease }).catch(() => undefined);
        throw new ConfigStoreError('conflict', `mod revision of ${key} is not ${opts.ifModRevision}`);
      }
      return putResult(Number(res.header.revision), res.responses[0]?.response_put.prev_kv);
    });
  }

  async delete(key: string, opts: { prefix?: boolean } = {}): Promise<DeleteResult> {
    const req = opts.prefix ? prefixRange(key) : { key: Buffer.from(key, 'utf8') };
    const res = await this.call('delete', () => this.client.kv.deleteRange(req));
    return { revision: Number(res.header.revision), deleted: Number(res.deleted) };
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchMessage> {
    return {
      [Symbol.asyncIterator]: () => {
        const w = new EtcdWatch(this.client, prefixRange(prefix), opts, this.timeoutMs, () => this.watches.delete(w));
        if (this.closed) w.stop();
        else this.watches.add(w);
        return w.queue;
      },
    };
  }

  async revision(): Promise<number> {
    // count_only on a single key: the cheapest read that carries a header.
    const res = await this.call('revision', () => this.client.kv.range({ key: Buffer.from([0]), count_only: true }));
    return Number(res.header.revision);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.watches]) w.stop();
    this.client.close();
  }

  private call<T>(op: string, run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ConfigStoreError('unavailable', 'config store is closed'));
    return withDeadline(op, this.timeoutMs, run);
  }
}

function putResult(revision: number, prev: Parameters<typeof toKeyValue>[0] | null | undefined): PutResult {
  return prev ? { revision, prev: toKeyValue(prev) } : { revision };
}
