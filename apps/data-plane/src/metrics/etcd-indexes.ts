import type { Snapshot } from '../snapshot/snapshot.js';
import type { Kind } from '../snapshot/items.js';

/** APISIX's etcd_modify_indexes keys, in its order; the ones Portico does not sync stay 0. */
const KEYS: readonly (Kind | 'ssls' | 'stream_routes' | 'protos')[] = [
  'routes',
  'services',
  'ssls',
  'consumers',
  'global_rules',
  'upstreams',
  'stream_routes',
  'protos',
];
const SYNCED = new Set<string>(['routes', 'services', 'consumers', 'global_rules', 'upstreams']);

const bySnapshot = new WeakMap<Snapshot, Readonly<Record<string, number>>>();

/**
 * etcd_modify_indexes of a snapshot (computed once per snapshot): the highest mod revision per
 * key, `max_modify_index` over them and `x_etcd_index`, the store revision the snapshot is at.
 */
export function etcdIndexes(snap: Snapshot | undefined): Readonly<Record<string, number>> {
  if (snap === undefined) return {};
  let out = bySnapshot.get(snap);
  if (out === undefined) {
    const o: Record<string, number> = {};
    let max = 0;
    for (const k of KEYS) {
      let m = 0;
      if (SYNCED.has(k)) for (const item of snap.items.of(k as Kind).values()) if (item.modRevision > m) m = item.modRevision;
      o[k] = m;
      if (m > max) max = m;
    }
    o.max_modify_index = max;
    o.x_etcd_index = snap.revision;
    bySnapshot.set(snap, (out = o));
  }
  return out;
}
