/** `upstreams` (apisix/admin/upstreams.lua). */
import { upstreamSchema } from '@portico/schemas';
import { checkUpstreamConf } from '../checks.js';
import type { AdminContext, ResourceDescriptor } from '../context.js';

/** traffic-split `rules[].weighted_upstreams[].upstream_id` reference (upstreams.lua up_id_in_plugins). */
function usedByPlugins(plugins: unknown, id: string): boolean {
  const ts = (plugins as Record<string, { rules?: unknown }> | undefined)?.['traffic-split'];
  if (!ts || !Array.isArray(ts.rules)) return false;
  for (const rule of ts.rules as { weighted_upstreams?: unknown }[]) {
    if (!Array.isArray(rule?.weighted_upstreams)) continue;
    for (const wu of rule.weighted_upstreams as { upstream_id?: unknown }[]) {
      if (wu?.upstream_id !== undefined && String(wu.upstream_id) === id) return true;
    }
  }
  return false;
}

async function referrer(ctx: AdminContext, dir: string, label: string, id: string, pluginsOnly: boolean): Promise<string | undefined> {
  for (const item of await ctx.store.list(`/${dir}/`)) {
    if (dir === 'consumers' && item.key.includes('/credentials/')) continue;
    const v = item.value;
    const vid = String(v.id ?? v.username ?? '');
    if (usedByPlugins(v.plugins, id)) return `can not delete this upstream, plugin in ${label} [${vid}] is still using it now`;
    if (!pluginsOnly && v.upstream_id !== undefined && String(v.upstream_id) === id) {
      return `can not delete this upstream, ${label} [${vid}] is still using it now`;
    }
  }
  return undefined;
}

export const upstreams: ResourceDescriptor = {
  name: 'upstreams',
  kind: 'upstream',
  schema: upstreamSchema,
  pluginSchemaType: 'route',
  async check(_ctx, _id, conf) {
    checkUpstreamConf(conf);
  },
  async deleteCheck(ctx, id) {
    return (
      (await referrer(ctx, 'routes', 'route', id, false)) ??
      (await referrer(ctx, 'services', 'service', id, false)) ??
      (await referrer(ctx, 'plugin_configs', 'plugin_config', id, true)) ??
      (await referrer(ctx, 'consumers', 'consumer', id, true)) ??
      (await referrer(ctx, 'consumer_groups', 'consumer_group', id, true)) ??
      (await referrer(ctx, 'global_rules', 'global_rules', id, true))
    );
  },
};
