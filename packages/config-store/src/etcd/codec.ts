import type { IKeyValue } from 'etcd3';
import { ConfigStoreError, type KeyValue } from '../types.js';

/** etcd range end for a prefix: the prefix with its last non-0xff byte incremented ("\0" = to the end). */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  const key = Buffer.from(prefix, 'utf8');
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return { key: key.length ? key : Buffer.from([0]), range_end: end.subarray(0, i + 1) };
    }
  }
  // Empty prefix or all 0xff: etcd treats key "\0" with range_end "\0" as "every key".
  return { key: key.length ? key : Buffer.from([0]), range_end: Buffer.from([0]) };
}

/** Convert an etcd KeyValue (proto, int64 as strings) to the store's KeyValue. */
export function toKeyValue(kv: IKeyValue): KeyValue {
  const out: KeyValue = {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
  if (kv.lease && kv.lease !== '0') out.lease = kv.lease;
  return out;
}

/**
 * Bound a call by our own deadline: etcd3 (grpc) may otherwise wait for a connection
 * for a long time. Every failure becomes ConfigStoreError('unavailable') unless already typed.
 */
export async function withDeadline<T>(op: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConfigStoreError('unavailable', `etcd ${op} timed out after ${timeoutMs}ms`)), timeoutMs);
  });
  try {
    return await Promise.race([run(), timeout]);
  } catch (err) {
    if (err instanceof ConfigStoreError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new ConfigStoreError('unavailable', `etcd ${op} failed: ${msg}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
