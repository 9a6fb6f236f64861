/** `global_rules` (apisix/admin/global_rules.lua). */
import { globalRuleSchema } from '@portico/schemas';
import { checkPluginsOf, checkSchema } from '../checks.js';
import type { ResourceDescriptor } from '../context.js';
import { fail } from '../errors.js';

export const globalRules: ResourceDescriptor = {
  name: 'global_rules',
  kind: 'global rule',
  schema: globalRuleSchema,
  pluginSchemaType: 'route',
  unsupported: ['post'],
  async check(ctx, id, conf) {
    checkSchema(globalRuleSchema, conf);
    checkPluginsOf(ctx, conf.plugins, 'route');
    // A plugin may be configured in one global rule only (global-rules-conflict.t).
    const plugins = conf.plugins as Record<string, unknown>;
    for (const item of await ctx.store.list('/global_rules/')) {
      const other = item.value;
      if (other.id === undefined || String(other.id) === String(id)) continue;
      const otherPlugins = other.plugins as Record<string, unknown> | undefined;
      if (!otherPlugins) continue;
      for (const name of Object.keys(plugins)) {
        if (otherPlugins[name] !== undefined) {
          throw fail(`plugin '${name}' already exists in global rule with id '${String(other.id)}'`);
        }
      }
    }
  },
};
