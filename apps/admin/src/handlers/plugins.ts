/** Plugin endpoints (apisix/admin/plugins.lua, apisix/admin/init.lua get_plugins_list). */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { injectMeta } from '@portico/schemas';
import { AdminError, fail } from '../errors.js';

/** Enabled plugin names, priority descending (ties by name for a stable order). */
export function pluginNames(plugins: readonly PluginDefinition[]): string[] {
  return [...plugins].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name)).map((p) => p.name);
}

/** `GET /apisix/admin/plugins/list[?subsystem=]`: 200 array, or 400 raw `invalid subsystem passed`. */
export function pluginsList(plugins: readonly PluginDefinition[], query: URLSearchParams): string[] {
  const subsystem = query.get('subsystem') ?? 'http';
  if (subsystem === 'http') return pluginNames(plugins);
  if (subsystem === 'stream') return [];
  throw new AdminError(400, 'invalid subsystem passed', { versioned: false });
}

/** `GET /apisix/admin/plugins/<name>` (and `/schema/plugins/<name>`, `/plugins?all=true`). */
export function pluginSchema(
  lookup: (name: string) => PluginDefinition | undefined,
  plugins: readonly PluginDefinition[],
  name: string | undefined,
  query: URLSearchParams,
): unknown {
  const subsystem = query.get('subsystem') ?? 'http';
  if (subsystem !== 'http' && subsystem !== 'stream') throw fail(`unsupported subsystem: ${subsystem}`);
  if (query.get('all') === 'true') {
    if (subsystem === 'stream') return {};
    const all: Record<string, unknown> = {};
    for (const p of plugins) {
      all[p.name] = {
        version: p.version ?? 0.1,
        priority: p.priority,
        schema: injectMeta(p.schema),
        ...(p.consumerSchema ? { consumer_schema: p.consumerSchema } : {}),
        ...(p.metadataSchema ? { metadata_schema: p.metadataSchema } : {}),
        ...(p.type ? { type: p.type } : {}),
      };
    }
    return all;
  }
  const def = subsystem === 'http' && name !== undefined ? lookup(name) : undefined;
  if (!def) throw fail(`plugin not found in subsystem ${subsystem}`, 404);
  const schema = query.get('schema_type') === 'consumer' ? def.consumerSchema : injectMeta(def.schema);
  if (!schema) throw fail('not found schema');
  return schema;
}
