import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigStore, KeyValue, WatchMessage } from '@portico/config-store';
import type { Logger } from '@portico/plugin-sdk';
import type { UpstreamCache } from '../proxy/upstream-cache.js';
import type { CertificateCache } from '../tls/certificate-cache.js';
import { classifyKey, ItemStore, KINDS } from '../snapshot/items.js';
import type { Inflight } from '../snapshot/inflight.js';
import type { PluginPreparer } from '../snapshot/preparer.js';
import { buildSnapshot, type Snapshot } from '../snapshot/snapshot.js';
import { parseItem } from './parse-item.js';

export interface ConfigSyncOptions {
  store: ConfigStore;
  /** etcd prefix, e.g. "/apisix" (no trailing slash). */
  prefix: string;
  preparer: PluginPreparer;
  /** Defers destroying dropped plugin states until the requests using them finished. */
  inflight?: Inflight;
  upstreams: UpstreamCache;
  /** Called after a snapshot in which `secrets` objects changed was published. */
  onSecretsChanged?: () => void;
  /** Server certificates built from `ssls`, reused across snapshots. */
  certificates: CertificateCache;
  logger: Logger;
  /** Wait between attempts while the store is unreachable (APISIX resync_delay, default 5 s). */
  resyncDelayMs?: number;
}

/**
 * Keeps a Snapshot in step with the config store (apisix/core/config_etcd.lua, improved):
 * one list of the whole prefix, then one watch from the listed revision + 1; each batch is
 * applied to a copy-on-write draft and published with a single reference swap. A `reset`
 * (compaction, reconnect with a gap, store restart) triggers a relist. While the store is
 * down the last good snapshot keeps serving. Invalid items are logged and skipped, keeping
 * the previous valid version of that key.
 */
export class ConfigSync {
  private snap: Snapshot | undefined;
  private applied = 0;
  /** False from a failed list/watch until etcd answers again (prometheus etcd_reachable). */
  reachable = false;
  private readonly abort = new AbortController();
  /** Raw values of objects holding secret references, by key. */
  private readonly secretDependents = new Map<string, KeyValue>();
  private reprepareQueued = false;
  private regen = 0;
  private loop: Promise<void> | undefined;
  private readyResolve!: () => void;
  /** Resolves once the first full load is published. */
  readonly ready: Promise<void> = new Promise((r) => (this.readyResolve = r));

  constructor(private readonly opts: ConfigSyncOptions) {}

  /** The snapshot to serve from (undefined until the first load). */
  get current(): Snapshot | undefined {
    return this.snap;
  }

  /** Store revision of the last applied list or watch batch. */
  revision(): number {
    return this.applied;
  }

  start(): Promise<void> {
    this.loop ??= this.run();
    return this.ready;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get dirPrefix(): string {
    return this.opts.prefix + '/';
  }

  private async run(): Promise<void> {
    const { store, logger } = this.opts;
    const delay = this.opts.resyncDelayMs ?? 5000;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const listed = await store.list(this.dirPrefix);
        this.reachable = true;
        this.applyFull(listed.entries, listed.revision);
        for await (const msg of store.watch(this.dirPrefix, { fromRevision: listed.revision + 1, signal })) {
          if (msg.type === 'reset') {
            logger.warn({ reason: msg.reason }, 'config watch reset, reloading everything');
            break;
          }
          this.applyBatch(msg);
        }
      } catch (e) {
        if (signal.aborted) break;
        this.reachable = false;
        logger.error({ err: (e as Error).message }, 'config sync failed, serving the last good config');
        await sleep(delay * (1 + Math.random() * 0.5), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Replace everything with a fresh listing, reusing items whose modRevision is unchanged. */
  private applyFull(entries: readonly KeyValue[], revision: number): void {
    const prev = this.snap?.items;
    const store = new ItemStore();
    for (const k of KINDS) store.changed.add(k);
    for (const kv of entries) {
      const where = classifyKey(this.opts.prefix, kv.key);
      if (!where) continue;
      const old = prev?.get(where.kind, where.id);
      if (old && old.modRevision === kv.modRevision) {
        store.set(old);
        continue;
      }
      this.putItem(store, kv, old);
    }
    this.publish(store, revision);
  }

  private applyBatch(msg: Extract<WatchMessage, { type: 'events' }>): void {
    const prev = this.snap!;
    const draft = prev.items.draft();
    for (const ev of msg.events) {
      if (ev.type === 'put') {
        const where = classifyKey(this.opts.prefix, ev.kv.key);
        if (where) this.putItem(draft, ev.kv, draft.get(where.kind, where.id));
      } else {
        const where = classifyKey(this.opts.prefix, ev.key);
        this.secretDependents.delete(ev.key);
        if (where) draft.delete(where.kind, where.id);
      }
    }
    this.publish(draft, msg.revision);
  }

  /**
   * Prepare again, at the current revision, every object holding a `$secret://` / `$env://`
   * reference (their resolved values changed or became known). Deferred so it never runs
   * inside a publish.
   */
  reprepareSecretDependents(): void {
    if (this.reprepareQueued) return;
    this.reprepareQueued = true;
    setImmediate(() => {
      this.reprepareQueued = false;
      if (!this.snap || this.abort.signal.aborted || this.secretDependents.size === 0) return;
      const draft = this.snap.items.draft();
      this.regen++;
      for (const kv of this.secretDependents.values()) {
        const where = classifyKey(this.opts.prefix, kv.key);
        if (where) this.putItem(draft, kv, draft.get(where.kind, where.id), this.regen);
      }
      this.publish(draft, this.applied);
    });
  }

  private putItem(store: ItemStore, kv: KeyValue, previous: ReturnType<ItemStore['get']>, regen?: number): void {
    this.opts.preparer.takeSecretUse();
    try {
      const item = parseItem(this.opts.prefix, kv, this.opts.preparer);
      this.noteSecretUse(kv);
      if (item && regen !== undefined) item.regen = regen;
      if (item) store.set(item);
    } catch (e) {
      this.noteSecretUse(kv);
      // apisix/core/config_etcd.lua: invalid data is logged and the previous value kept.
      this.opts.logger.error({ key: kv.key, err: (e as Error).message }, 'invalid config item skipped');
      if (previous) store.set(previous);
    }
  }

  /** Objects whose plugin confs hold references are prepared again when their values change. */
  private noteSecretUse(kv: KeyValue): void {
    if (this.opts.preparer.takeSecretUse()) this.secretDependents.set(kv.key, kv);
    else this.secretDependents.delete(kv.key);
  }

  private publish(items: ItemStore, revision: number): void {
    const { logger, upstreams, preparer, certificates } = this.opts;
    const started = performance.now();
    const secretsChanged = this.snap !== undefined && items.changed.has('secrets');
    const next = buildSnapshot(this.snap, items, revision, upstreams, logger, certificates);
    this.snap = next;
    this.applied = revision;
    const retire = preparer.sweep((key, mod) => {
      const where = classifyKey(this.opts.prefix, key);
      if (where === undefined || next.items.get(where.kind, where.id)?.modRevision !== mod) return false;
      // A disabled route (status 0) is not served: its health checkers and pools must stop too.
      return where.kind !== 'routes' || next.routes.has(where.id);
    });
    // Requests still running on an older snapshot keep using its plugin states.
    if (this.opts.inflight) this.opts.inflight.advance(retire);
    else retire();
    logger.debug({ revision, ms: Math.round(performance.now() - started) }, 'config snapshot published');
    if (secretsChanged) this.opts.onSecretsChanged?.();
    this.readyResolve();
  }
}
