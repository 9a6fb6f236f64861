/** `consumer_groups` (apisix/admin/consumer_group.lua): no POST, DELETE refused while a consumer uses the group. */
import { consumerGroupSchema } from '@portico/schemas';
import { checkPluginsOf, checkSchema } from '../checks.js';
import type { AdminContext, ResourceDescriptor } from '../context.js';

/** First consumer (username) whose `group_id` equals id as strings; credentials share the dir and are skipped. */
async function consumerUsing(ctx: AdminContext, id: string): Promise<string | undefined> {
  for (const item of await ctx.store.list('/consumers/')) {
    if (item.key.includes('/credentials/')) continue;
    const g = item.value.group_id;
    if (g !== undefined && g !== null && String(g) === id) {
      // APISIX prints consumer.value.id, which the config sync sets to the key suffix (the username).
      return String(item.value.username ?? item.key.slice(item.key.lastIndexOf('/') + 1));
    }
  }
  return undefined;
}

export const consumerGroups: ResourceDescriptor = {
  name: 'consumer_groups',
  kind: 'consumer group',
  schema: consumerGroupSchema,
  pluginSchemaType: 'route',
  unsupported: ['post'],
  async check(ctx, _id, conf) {
    checkSchema(consumerGroupSchema, conf);
    // consumer_group.lua checks plugins with the default (route) schema.
    checkPluginsOf(ctx, conf.plugins, 'route');
  },
  async deleteCheck(ctx, id) {
    const user = await consumerUsing(ctx, id);
    if (user !== undefined) return `can not delete this consumer group, consumer [${user}] is still using it now`;
    return undefined;
  },
};
