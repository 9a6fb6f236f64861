/** `plugin_configs` (apisix/admin/plugin_config.lua). */
import { pluginConfigSchema } from '@portico/schemas';
import { checkPluginsOf, checkSchema, findReferrer } from '../checks.js';
import type { ResourceDescriptor } from '../context.js';

export const pluginConfigs: ResourceDescriptor = {
  name: 'plugin_configs',
  kind: 'plugin config',
  schema: pluginConfigSchema,
  pluginSchemaType: 'route',
  unsupported: ['post'],
  async check(ctx, _id, conf) {
    checkSchema(pluginConfigSchema, conf);
    checkPluginsOf(ctx, conf.plugins, 'route');
  },
  async deleteCheck(ctx, id) {
    const route = await findReferrer(ctx, 'routes', 'plugin_config_id', id);
    if (route !== undefined) return `can not delete this plugin config, route [${String(route)}] is still using it now`;
    return undefined;
  },
};
