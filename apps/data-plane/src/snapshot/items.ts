import type { PluginSet } from '../chain/chain.js';

/** etcd directories the data plane consumes (subset of apisix/constants.lua HTTP_ETCD_DIRECTORY). */
export type Kind =
  | 'routes'
  | 'services'
  | 'upstreams'
  | 'consumers'
  | 'credentials'
  | 'global_rules'
  | 'plugin_configs'
  | 'plugin_metadata'
  | 'consumer_groups';

export const KINDS: readonly Kind[] = [
  'routes',
  'services',
  'upstreams',
  'consumers',
  'credentials',
  'global_rules',
  'plugin_configs',
  'plugin_metadata',
  'consumer_groups',
];

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
}

/**
 * Which kind and id an etcd key holds, or undefined for keys the data plane ignores
 * (`init_dir` directory placeholders, ssls, protos, the plugin list, ...).
 */
export function classifyKey(prefix: string, key: string): { kind: Kind; id: string } | undefined {
  if (!key.startsWith(prefix + '/')) return undefined;
  const rest = key.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  const dir = rest.slice(0, slash);
  const id = rest.slice(slash + 1);
  if (dir === 'consumers') {
    const parts = id.split('/');
    if (parts.length === 1) return { kind: 'consumers', id };
    if (parts.length === 3 && parts[1] === 'credentials' && parts[0] && parts[2]) return { kind: 'credentials', id };
    return undefined;
  }
  if (id.includes('/')) return undefined;
  return (KINDS as readonly string[]).includes(dir) && dir !== 'credentials' ? { kind: dir as Kind, id } : undefined;
}

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
