/** `services` (apisix/admin/services.lua). */
import { serviceSchema } from '@portico/schemas';
import { checkPluginsOf, checkReference, checkSchema, checkUpstreamConf, findReferrer } from '../checks.js';
import type { ResourceDescriptor } from '../context.js';

export const services: ResourceDescriptor = {
  name: 'services',
  kind: 'service',
  schema: serviceSchema,
  pluginSchemaType: 'route',
  async check(ctx, _id, conf) {
    checkSchema(serviceSchema, conf);
    checkUpstreamConf(conf.upstream);
    await checkReference(ctx, 'upstreams', 'upstream', conf.upstream_id);
    checkPluginsOf(ctx, conf.plugins, 'route');
  },
  async deleteCheck(ctx, id) {
    const route = await findReferrer(ctx, 'routes', 'service_id', id);
    if (route !== undefined) return `can not delete this service directly, route [${String(route)}] is still using it now`;
    return undefined;
  },
};
