/**
 * etcd operations with APISIX's admin semantics (apisix/core/etcd.lua): JSON values, status
 * 201 vs 200 from prev_kv, POST ids from the `gen_id` revision, CAS writes, list items.
 * Keys passed in are relative to the prefix ("/routes/1"); responses carry the full key.
 */
import { ConfigStoreError, type ConfigStore, type KeyValue } from '@portico/config-store';
import { fail, keyNotFound } from './errors.js';

export interface Item {
  key: string;
  value: Record<string, unknown>;
  createdIndex: number;
  modifiedIndex: number;
}

/** Parse a stored value; undefined for placeholders (`init_dir`) and non-objects. */
export function decodeValue(raw: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function toItem(kv: KeyValue): Item | undefined {
  const value = decodeValue(kv.value);
  if (!value) return undefined;
  return { key: kv.key, value, createdIndex: kv.createRevision, modifiedIndex: kv.modRevision };
}

/** Map store failures to APISIX's `503 {"error_msg": "<etcd error>"}`. */
async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof ConfigStoreError) {
      if (e.code === 'conflict') throw fail('value changed before overwritten', 503);
      throw fail(e.message, 503);
    }
    throw e;
  }
}

export class AdminStore {
  constructor(
    readonly store: ConfigStore,
    readonly prefix: string,
  ) {}

  full(key: string): string {
    return this.prefix + key;
  }

  /** One object, or undefined when missing. */
  async get(key: string): Promise<Item | undefined> {
    const kv = await guard(() => this.store.get(this.full(key)));
    return kv ? toItem(kv) : undefined;
  }

  /** One object or a 404 `Key not found`. */
  async mustGet(key: string): Promise<Item> {
    const item = await this.get(key);
    if (!item) throw keyNotFound();
    return item;
  }

  /** Objects under a directory ("/routes/"), key order, placeholders skipped. */
  async list(dir: string): Promise<Item[]> {
    const res = await guard(() => this.store.list(this.full(dir)));
    const out: Item[] = [];
    for (const kv of res.entries) {
      const item = toItem(kv);
      if (item) out.push(item);
    }
    return out;
  }

  /** PUT: 201 when the key is new, 200 when it replaced a value (core/etcd.lua set). */
  async set(key: string, value: unknown, ttl?: number): Promise<number> {
    const res = await guard(() =>
      this.store.put(this.full(key), JSON.stringify(value), ttl !== undefined && ttl > 0 ? { ttlSeconds: ttl } : {}),
    );
    return res.prev ? 200 : 201;
  }

  /** Write only if the key's mod revision is unchanged (core/etcd.lua atomic_set); false when it changed. */
  async casSet(key: string, value: unknown, modRevision: number, ttl?: number): Promise<boolean> {
    try {
      await this.store.put(this.full(key), JSON.stringify(value), {
        ifModRevision: modRevision,
        ...(ttl !== undefined && ttl > 0 ? { ttlSeconds: ttl } : {}),
      });
      return true;
    } catch (e) {
      if (e instanceof ConfigStoreError && e.code === 'conflict') return false;
      return guard(() => Promise.reject(e));
    }
  }

  /** POST id: revision of a write to `<prefix>/gen_id`, zero-padded to 20 digits (core/etcd.lua push). */
  async genId(): Promise<string> {
    const res = await guard(() => this.store.put(this.full('/gen_id'), '1'));
    return String(res.revision).padStart(20, '0');
  }

  /** Delete one key; the count of deleted keys. */
  async delete(key: string): Promise<number> {
    const res = await guard(() => this.store.delete(this.full(key)));
    return res.deleted;
  }

  /** Delete a whole directory (core/etcd.lua rmdir). */
  async rmdir(dir: string): Promise<void> {
    await guard(() => this.store.delete(this.full(dir), { prefix: true }));
  }
}
