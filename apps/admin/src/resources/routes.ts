/** `routes` (apisix/admin/routes.lua). */
import { checkVars, routeSchema } from '@portico/schemas';
import { checkPluginsOf, checkReference, checkSchema, checkUpstreamConf } from '../checks.js';
import type { ResourceDescriptor } from '../context.js';
import { fail } from '../errors.js';

export const routes: ResourceDescriptor = {
  name: 'routes',
  kind: 'route',
  schema: routeSchema,
  pluginSchemaType: 'route',
  listFilterFields: ['service_id', 'upstream_id'],
  async check(ctx, _id, conf) {
    if (conf.host !== undefined && conf.hosts !== undefined) throw fail('only one of host or hosts is allowed');
    if (conf.remote_addr !== undefined && conf.remote_addrs !== undefined) {
      throw fail('only one of remote_addr or remote_addrs is allowed');
    }
    checkSchema(routeSchema, conf);
    checkUpstreamConf(conf.upstream);
    await checkReference(ctx, 'upstreams', 'upstream', conf.upstream_id);
    await checkReference(ctx, 'services', 'service', conf.service_id);
    await checkReference(ctx, 'plugin_configs', 'plugin config', conf.plugin_config_id);
    checkPluginsOf(ctx, conf.plugins, 'route');
    if (conf.vars !== undefined) {
      const err = checkVars(conf.vars);
      if (err !== undefined) throw fail(err);
    }
    // filter_func / script are Lua source in APISIX; Portico cannot run them, the schema
    // (pattern ^function, length) is the only check applied.
  },
};
