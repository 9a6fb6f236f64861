/**
 * A key-value store with etcd v3 semantics. Keys are full etcd keys ("/apisix/routes/1"),
 * values are the raw stored strings (JSON for APISIX objects; "init_dir" placeholders exist).
 */

export interface KeyValue {
  key: string;
  value: string;
  /** etcd create_revision (APISIX createdIndex). */
  createRevision: number;
  /** etcd mod_revision (APISIX modifiedIndex). */
  modRevision: number;
  /** Lease id as a decimal string when the key has a TTL. */
  lease?: string;
}

export interface ListResult {
  /** Store revision the listing was read at (etcd header revision). */
  revision: number;
  /** Entries in key byte order. */
  entries: KeyValue[];
}

export interface PutOptions {
  /** Compare-and-swap: only write if the key's mod revision equals this (0 = key must not exist). */
  ifModRevision?: number;
  /** Attach a lease that expires after this many seconds (APISIX ?ttl=). */
  ttlSeconds?: number;
}

export interface PutResult {
  /** Store revision after the write (etcd header revision). */
  revision: number;
  /** The previous entry when the key existed (etcd prev_kv). */
  prev?: KeyValue;
}

export interface DeleteResult {
  revision: number;
  deleted: number;
}

export type WatchEvent = { type: 'put'; kv: KeyValue } | { type: 'delete'; key: string; modRevision: number };

/**
 * What a watch yields: batches of events in revision order (all events of one etcd
 * revision are in the same batch), or a reset when the consumer must relist
 * (history compacted, connection re-established with a possible gap, store restarted).
 */
export type WatchMessage =
  | { type: 'events'; revision: number; events: WatchEvent[] }
  | { type: 'reset'; reason: 'compacted' | 'reconnected' | 'restarted' };

export interface WatchOptions {
  /** First revision to deliver (inclusive); usually list().revision + 1. */
  fromRevision: number;
  signal?: AbortSignal;
}

export interface ConfigStore {
  get(key: string): Promise<KeyValue | undefined>;
  /** All keys starting with prefix (pure prefix range, no trailing slash added). */
  list(prefix: string): Promise<ListResult>;
  put(key: string, value: string, opts?: PutOptions): Promise<PutResult>;
  /** Delete one key, or every key under a prefix when `prefix` is true. */
  delete(key: string, opts?: { prefix?: boolean }): Promise<DeleteResult>;
  /**
   * Watch a prefix from a revision. The iterator ends when the signal aborts, when the store
   * closes, and right after yielding a `reset` (relist, then watch again from list().revision + 1).
   * It never throws; while the store is unreachable it simply waits.
   */
  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchMessage>;
  /** Current store revision (a cheap header read). */
  revision(): Promise<number>;
  close(): Promise<void>;
}

export type ConfigStoreErrorCode =
  /** compare-and-swap failed */
  | 'conflict'
  /** the store cannot be reached or timed out */
  | 'unavailable'
  /** the requested revision has been compacted */
  | 'compacted';

/** Typed store error with a stable code; the admin maps it to HTTP in one place. */
export class ConfigStoreError extends Error {
  readonly code: ConfigStoreErrorCode;
  constructor(code: ConfigStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigStoreError';
    this.code = code;
  }
}
