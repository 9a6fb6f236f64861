/** The `<prefix>/plugins` key: enabled plugin list (apisix/admin/init.lua sync_local_conf_to_etcd). */
import type { PluginDefinition } from '@portico/plugin-sdk';
import type { AdminStore } from './store-ops.js';

/** Write `[{"name": ...}, ...]` unless the stored list already has the same names. */
export async function syncPluginList(store: AdminStore, plugins: readonly PluginDefinition[]): Promise<void> {
  const wanted = plugins.map((p) => ({ name: p.name }));
  const cur = await store.store.get(store.full('/plugins'));
  if (cur) {
    try {
      const stored = JSON.parse(cur.value) as { name?: unknown }[];
      const a = new Set(stored.map((p) => p.name));
      if (a.size === wanted.length && wanted.every((p) => a.has(p.name))) return;
    } catch {
      // unreadable value: rewrite it
    }
  }
  await store.store.put(store.full('/plugins'), JSON.stringify(wanted));
}
