/**
 * Resolves `$secret://` and `$env://` references with a cache (apisix/secret.lua: lrucache of
 * `apisix.lru.secret` — ttl 300 s, neg_ttl 60 s — keyed by the reference and invalidated when
 * the `secrets` resources change). Async lookups happen off the request path: the data plane
 * resolves every reference of a config batch before it prepares the batch, then reads the
 * cache synchronously (`peek`). `refresh` re-reads expired entries so a rotated secret reaches
 * the data plane within one TTL.
 */
import { resolveEnv, type EnvLookup } from './env.js';
import { secretManagers } from './managers/index.js';
import { type HttpFetch, SecretFetchError } from './managers/types.js';
import { parseRef } from './refs.js';

export interface SecretLogger {
  warn(obj: object, msg: string): void;
}

export interface ResolverOptions {
  /** The stored `secrets/<manager>/<id>` conf (defaults applied), or undefined when absent. */
  secretConf(manager: string, id: string): Record<string, unknown> | undefined;
  /** Seconds a resolved value is trusted (APISIX `apisix.lru.secret.ttl`, 300). */
  ttl?: number;
  /** Seconds a failed lookup is remembered before it is tried again (`neg_ttl`, 60). */
  negTtl?: number;
  http?: HttpFetch;
  env?: EnvLookup;
  /** Milliseconds clock, for tests. */
  now?: () => number;
  logger?: SecretLogger;
}

interface Entry {
  value: string | undefined;
  expiresAt: number;
}

export class SecretResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string | undefined>>();
  private readonly ttlMs: number;
  private readonly negTtlMs: number;
  private readonly http: HttpFetch;
  private readonly env: EnvLookup;
  private readonly now: () => number;

  constructor(private readonly opts: ResolverOptions) {
    this.ttlMs = (opts.ttl ?? 300) * 1000;
    this.negTtlMs = (opts.negTtl ?? 60) * 1000;
    this.http = opts.http ?? ((url, init) => fetch(url, init));
    this.env = opts.env ?? ((n) => process.env[n]);
    this.now = opts.now ?? Date.now;
  }

  /** The cached value of a reference (undefined when unresolved or never asked for). */
  peek(ref: string): string | undefined {
    return this.cache.get(ref)?.value;
  }

  /** Whether `ref` has a fresh cache entry (resolved or a remembered failure). */
  isFresh(ref: string): boolean {
    const e = this.cache.get(ref);
    return e !== undefined && e.expiresAt > this.now();
  }

  /** Resolve every reference that has no fresh entry; never rejects. */
  async resolveAll(refs: Iterable<string>): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const ref of refs) if (!this.isFresh(ref)) waits.push(this.resolve(ref));
    await Promise.all(waits);
  }

  /**
   * Re-read every expired entry; returns the references whose value changed (the data plane
   * re-prepares what uses them).
   */
  async refresh(): Promise<Set<string>> {
    const changed = new Set<string>();
    const now = this.now();
    const due = [...this.cache].filter(([, e]) => e.expiresAt <= now);
    await Promise.all(
      due.map(async ([ref, old]) => {
        const value = await this.resolve(ref);
        if (value !== old.value) changed.add(ref);
      }),
    );
    return changed;
  }

  /** Forget everything (the `secrets` resources changed: APISIX keys its cache on their version). */
  clear(): void {
    this.cache.clear();
  }

  /** Resolve one reference, sharing concurrent lookups; never rejects (failures are cached as undefined). */
  resolve(ref: string): Promise<string | undefined> {
    let p = this.inflight.get(ref);
    if (!p) {
      p = this.lookup(ref)
        .then(
          (value) => {
            this.cache.set(ref, { value, expiresAt: this.now() + (value === undefined ? this.negTtlMs : this.ttlMs) });
            return value;
          },
          (err: unknown) => {
            // Keep a value that was good until now (APISIX serves stale while refreshing);
            // remember the failure for neg_ttl otherwise.
            const stale = this.cache.get(ref)?.value;
            this.cache.set(ref, { value: stale, expiresAt: this.now() + this.negTtlMs });
            this.opts.logger?.warn(
              { ref, err: err instanceof Error ? err.message : String(err) },
              'failed to resolve secret reference',
            );
            return stale;
          },
        )
        .finally(() => this.inflight.delete(ref));
      this.inflight.set(ref, p);
    }
    return p;
  }

  private async lookup(uri: string): Promise<string | undefined> {
    const ref = parseRef(uri);
    if ('error' in ref) throw new SecretFetchError(ref.error);
    if (ref.kind === 'env') {
      const r = resolveEnv(ref, this.env);
      if ('error' in r) throw new SecretFetchError(r.error);
      return r.value;
    }
    const conf = this.opts.secretConf(ref.manager, ref.confId);
    if (!conf) throw new SecretFetchError(`no secret conf, secret_uri: ${uri}`);
    const manager = secretManagers.get(ref.manager);
    if (!manager) throw new SecretFetchError(`no secret manager: ${ref.manager}`);
    return manager.get(conf as never, ref.key, this.http);
  }
}
