import {
  ConfigStoreError,
  type ConfigStore,
  type DeleteResult,
  type KeyValue,
  type ListResult,
  type PutOptions,
  type PutResult,
  type WatchEvent,
  type WatchMessage,
  type WatchOptions,
} from '../types.js';
import { WatchQueue, compareKeys } from '../watch-queue.js';

interface Entry {
  kv: KeyValue;
  timer?: NodeJS.Timeout;
}

interface Watcher {
  prefix: string;
  /** First revision to deliver: etcd holds back events below a future start revision. */
  from: number;
  queue: WatchQueue;
}

interface HistoryBatch {
  revision: number;
  events: WatchEvent[];
}

/**
 * In-process ConfigStore with etcd v3 semantics: one global revision (starts at 1, bumped
 * once per successful write), create/mod revisions, CAS on mod revision, TTL leases,
 * history for watches from a past revision and explicit compaction.
 *
 * Watch contract (same as EtcdConfigStore): after a `reset` message the iterator ends;
 * the consumer relists and calls `watch()` again from `list().revision + 1`.
 */
export class MemoryConfigStore implements ConfigStore {
  /** Oldest history is auto-compacted beyond this many revisions (etcd's auto-compaction analogue). */
  private readonly maxHistory: number;
  private rev = 1;
  private compactedRev = 0;
  private nextLease = 1;
  private closed = false;
  private readonly data = new Map<string, Entry>();
  private readonly history: HistoryBatch[] = [];
  private readonly watchers = new Set<Watcher>();

  constructor(opts: { maxHistory?: number } = {}) {
    this.maxHistory = opts.maxHistory ?? 10_000;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const e = this.data.get(key);
    return e ? { ...e.kv } : undefined;
  }

  async list(prefix: string): Promise<ListResult> {
    this.assertOpen();
    const entries: KeyValue[] = [];
    for (const [k, e] of this.data) if (k.startsWith(prefix)) entries.push({ ...e.kv });
    entries.sort((a, b) => compareKeys(a.key, b.key));
    return { revision: this.rev, entries };
  }

  async put(key: string, value: string, opts: PutOptions = {}): Promise<PutResult> {
    this.assertOpen();
    const existing = this.data.get(key);
    if (opts.ifModRevision !== undefined) {
      const current = existing?.kv.modRevision ?? 0;
      if (current !== opts.ifModRevision) {
        throw new ConfigStoreError('conflict', `mod revision of ${key} is ${current}, expected ${opts.ifModRevision}`);
      }
    }
    const revision = ++this.rev;
    if (existing?.timer) clearTimeout(existing.timer);
    const kv: KeyValue = {
      key,
      value,
      createRevision: existing?.kv.createRevision ?? revision,
      modRevision: revision,
    };
    const entry: Entry = { kv };
    if (opts.ttlSeconds !== undefined) {
      kv.lease = String(this.nextLease++);
      const lease = kv.lease;
      entry.timer = setTimeout(() => this.expire(key, lease), opts.ttlSeconds * 1000);
      entry.timer.unref();
    }
    this.data.set(key, entry);
    this.record(revision, [{ type: 'put', kv: { ...kv } }]);
    return existing ? { revision, prev: { ...existing.kv } } : { revision };
  }

  async delete(key: string, opts: { prefix?: boolean } = {}): Promise<DeleteResult> {
    this.assertOpen();
    const keys = opts.prefix
      ? [...this.data.keys()].filter((k) => k.startsWith(key)).sort(compareKeys)
      : this.data.has(key)
        ? [key]
        : [];
    // etcd does not bump the revision when nothing was deleted.
    if (keys.length === 0) return { revision: this.rev, deleted: 0 };
    const revision = ++this.rev;
    this.removeKeys(keys, revision);
    return { revision, deleted: keys.length };
  }

  /**
   * Make the keys under `prefix` exactly `entries`, in ONE revision (an etcd transaction):
   * unchanged values keep their revisions, the rest are put or deleted together, so a watcher
   * never sees half of a new configuration. Returns the revision (unchanged when nothing differs).
   */
  replacePrefix(prefix: string, entries: ReadonlyMap<string, string>): number {
    this.assertOpen();
    const puts = [...entries].filter(([k, v]) => k.startsWith(prefix) && this.data.get(k)?.kv.value !== v);
    const dels = [...this.data.keys()].filter((k) => k.startsWith(prefix) && !entries.has(k)).sort(compareKeys);
    if (puts.length === 0 && dels.length === 0) return this.rev;
    const revision = ++this.rev;
    const events: WatchEvent[] = [];
    for (const [key, value] of puts.sort((a, b) => compareKeys(a[0], b[0]))) {
      const existing = this.data.get(key);
      if (existing?.timer) clearTimeout(existing.timer);
      const kv: KeyValue = { key, value, createRevision: existing?.kv.createRevision ?? revision, modRevision: revision };
      this.data.set(key, { kv });
      events.push({ type: 'put', kv: { ...kv } });
    }
    for (const k of dels) {
      const e = this.data.get(k);
      if (e?.timer) clearTimeout(e.timer);
      this.data.delete(k);
      events.push({ type: 'delete', key: k, modRevision: revision });
    }
    this.record(revision, events);
    return revision;
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchMessage> {
    return {
      [Symbol.asyncIterator]: () => {
        const from = opts.fromRevision > 0 ? opts.fromRevision : this.rev + 1;
        const watcher: Watcher = {
          prefix,
          from,
          queue: new WatchQueue(opts.signal, () => this.watchers.delete(watcher)),
        };
        if (watcher.queue.isEnded) return watcher.queue;
        // etcd cancels a watch whose start revision is below the compacted revision.
        if (from < this.compactedRev || this.closed) {
          if (!this.closed) watcher.queue.push({ type: 'reset', reason: 'compacted' });
          watcher.queue.end();
          return watcher.queue;
        }
        for (const b of this.history) {
          if (b.revision < from) continue;
          const events = b.events.filter((e) => eventKey(e).startsWith(prefix));
          if (events.length) watcher.queue.push({ type: 'events', revision: b.revision, events });
        }
        this.watchers.add(watcher);
        return watcher.queue;
      },
    };
  }

  async revision(): Promise<number> {
    this.assertOpen();
    return this.rev;
  }

  /** Drop history below `revision` (etcd Compact); watches from older revisions get `reset: compacted`. */
  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision <= this.compactedRev) {
      throw new ConfigStoreError('compacted', 'mvcc: required revision has been compacted');
    }
    if (revision > this.rev) throw new RangeError('mvcc: required revision is a future revision');
    this.compactedRev = revision;
    while (this.history.length && this.history[0]!.revision < revision) this.history.shift();
  }

  /** Test hook: make every active watch yield `reset` with the given reason (then end). */
  injectReset(reason: 'compacted' | 'reconnected' | 'restarted'): void {
    for (const w of [...this.watchers]) {
      w.queue.push({ type: 'reset', reason });
      w.queue.end();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.data.values()) if (e.timer) clearTimeout(e.timer);
    for (const w of [...this.watchers]) w.queue.end();
  }

  private expire(key: string, lease: string): void {
    const e = this.data.get(key);
    if (this.closed || !e || e.kv.lease !== lease) return;
    this.removeKeys([key], ++this.rev);
  }

  private removeKeys(keys: string[], revision: number): void {
    const events: WatchEvent[] = [];
    for (const k of keys) {
      const e = this.data.get(k);
      if (e?.timer) clearTimeout(e.timer);
      this.data.delete(k);
      events.push({ type: 'delete', key: k, modRevision: revision });
    }
    this.record(revision, events);
  }

  private record(revision: number, events: WatchEvent[]): void {
    this.history.push({ revision, events });
    if (this.history.length > this.maxHistory) {
      this.history.shift();
      this.compactedRev = this.history[0]!.revision;
    }
    for (const w of this.watchers) {
      if (revision < w.from) continue;
      const mine = events.filter((e) => eventKey(e).startsWith(w.prefix));
      if (mine.length) w.queue.push({ type: 'events', revision, events: mine });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ConfigStoreError('unavailable', 'config store is closed');
  }
}

function eventKey(e: WatchEvent): string {
  return e.type === 'put' ? e.kv.key : e.key;
}
