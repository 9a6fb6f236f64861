/**
 * A standalone configuration (APISIX `conf/apisix.yaml` / `apisix.json` / the body of
 * `PUT /apisix/admin/configs`) as etcd-style entries: each item of a top-level resource array
 * becomes `<prefix>/<resource>/<id>` holding its JSON, with the id taken as
 * apisix/core/config_yaml.lua does (`id`, else `username`, else `arr_<index>`, 1-based).
 * `<resource>_conf_version` numbers and other top-level keys are not items.
 */

/** The resource directories a standalone file may hold (apisix/constants.lua HTTP + STREAM dirs). */
export const STANDALONE_RESOURCES = [
  'routes',
  'services',
  'upstreams',
  'consumers',
  'ssls',
  'global_rules',
  'plugin_configs',
  'plugin_metadata',
  'consumer_groups',
  'protos',
  'stream_routes',
  'secrets',
] as const;

export class StandaloneConfigError extends Error {
  readonly code = 'invalid_standalone_config';
}

/** One item: its JSON (without `modifiedIndex`) and the `modifiedIndex` it carried, if any. */
export interface StandaloneEntry {
  value: string;
  modifiedIndex?: number;
}

/** Entries of a parsed standalone config; throws StandaloneConfigError when it is not an object. */
export function standaloneEntries(config: unknown, prefix: string): Map<string, StandaloneEntry> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new StandaloneConfigError('the configuration must be an object of resource arrays');
  }
  const out = new Map<string, StandaloneEntry>();
  const root = config as Record<string, unknown>;
  for (const dir of STANDALONE_RESOURCES) {
    const items = root[dir];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) {
      // plugin_metadata / a single object is not an array: APISIX's loader iterates arrays only.
      throw new StandaloneConfigError(`${dir} must be an array`);
    }
    items.forEach((item, i) => {
      const obj =
        typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : undefined;
      const raw = obj?.id ?? obj?.username ?? `arr_${i + 1}`;
      const id = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : `arr_${i + 1}`;
      // `modifiedIndex` tells which items changed (APISIX patches every schema to allow it); it
      // is not part of the object the data plane validates.
      let modifiedIndex: number | undefined;
      let value: unknown = item;
      if (obj && 'modifiedIndex' in obj) {
        const { modifiedIndex: mi, ...rest } = obj;
        if (typeof mi === 'number') modifiedIndex = mi;
        value = rest;
      }
      out.set(
        `${prefix}/${dir}/${id}`,
        modifiedIndex === undefined ? { value: JSON.stringify(value) } : { value: JSON.stringify(value), modifiedIndex },
      );
    });
  }
  return out;
}

/**
 * The values to serve: an item whose `modifiedIndex` equals the one it had in the previous
 * configuration keeps its previous value even if its content changed (apisix/core/config_yaml.lua
 * skips items whose modifiedIndex did not move); every other item takes its new value.
 */
export function resolveEntries(
  next: ReadonlyMap<string, StandaloneEntry>,
  prev: ReadonlyMap<string, StandaloneEntry>,
): Map<string, StandaloneEntry> {
  const out = new Map<string, StandaloneEntry>();
  for (const [key, entry] of next) {
    const old = prev.get(key);
    out.set(key, entry.modifiedIndex !== undefined && old?.modifiedIndex === entry.modifiedIndex ? old : entry);
  }
  return out;
}

/** Keys to their JSON values, as a store holds them. */
export function entryValues(entries: ReadonlyMap<string, StandaloneEntry>): Map<string, string> {
  return new Map([...entries].map(([k, e]) => [k, e.value]));
}
