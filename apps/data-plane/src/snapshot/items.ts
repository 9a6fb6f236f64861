import { RESOURCE_KINDS, type KindName } from '@portico/schemas';
import type { PluginSet } from '../chain/chain.js';

/** etcd directories the data plane consumes: the resource kinds of @portico/schemas. */
export type Kind = KindName;

export const KINDS: readonly Kind[] = RESOURCE_KINDS.map((k) => k.name);

/** One validated configuration object as stored in etcd. */
export interface Item {
  kind: Kind;
  /** Full etcd key. */
  key: string;
  /** Key suffix (APISIX overwrites value.id with it). Credentials: `<user>/credentials/<cid>`. */
  id: string;
  modRevision: number;
  value: Record<string, unknown>;
  /** Prepared plugins of this item (kinds that carry `plugins`). */
  plugins?: PluginSet;
  /** Set when the item was prepared again at the same modRevision (resolved secret references changed). */
  regen?: number;
}

/**
 * Which kind and id an etcd key holds, or undefined for keys the data plane ignores
 * (`init_dir` directory placeholders, ssls, protos, the plugin list, ...).
 */
export { classifyKey } from '@portico/schemas';

/**
 * All items of one snapshot, by kind then id. Copy-on-write: a draft shares the maps of
 * its parent until it writes to a kind, so an incremental change copies one map only.
 */
export class ItemStore {
  private readonly maps: Map<Kind, Map<string, Item>>;
  private readonly owned = new Set<Kind>();
  /** Kinds written since this draft was made. */
  readonly changed = new Set<Kind>();
  /** Ids written (put or deleted) per kind since this draft was made. */
  readonly changedIds = new Map<Kind, Set<string>>();

  constructor(maps?: Map<Kind, Map<string, Item>>) {
    this.maps = maps ?? new Map(KINDS.map((k) => [k, new Map()]));
    if (!maps) for (const k of KINDS) this.owned.add(k);
  }

  /** A draft on top of this store. */
  draft(): ItemStore {
    return new ItemStore(new Map(this.maps));
  }

  of(kind: Kind): ReadonlyMap<string, Item> {
    return this.maps.get(kind)!;
  }

  get(kind: Kind, id: string): Item | undefined {
    return this.maps.get(kind)!.get(id);
  }

  set(item: Item): void {
    this.writable(item.kind).set(item.id, item);
    this.noteId(item.kind, item.id);
  }

  delete(kind: Kind, id: string): Item | undefined {
    const old = this.maps.get(kind)!.get(id);
    if (old) {
      this.writable(kind).delete(id);
      this.noteId(kind, id);
    }
    return old;
  }

  private noteId(kind: Kind, id: string): void {
    let ids = this.changedIds.get(kind);
    if (!ids) this.changedIds.set(kind, (ids = new Set()));
    ids.add(id);
  }

  private writable(kind: Kind): Map<string, Item> {
    this.changed.add(kind);
    if (!this.owned.has(kind)) {
      this.maps.set(kind, new Map(this.maps.get(kind)!));
      this.owned.add(kind);
    }
    return this.maps.get(kind)!;
  }
}
