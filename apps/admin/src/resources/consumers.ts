/** `consumers` (apisix/admin/consumers.lua): identity is `username`, no POST/PATCH. */
import { consumerSchema } from '@portico/schemas';
import { checkPluginsOf, checkSchema } from '../checks.js';
import type { ResourceDescriptor } from '../context.js';
import { findDuplicateKey } from '../duplicate-keys.js';
import { fail } from '../errors.js';

export const consumers: ResourceDescriptor = {
  name: 'consumers',
  kind: 'consumer',
  schema: consumerSchema,
  noId: true,
  pluginSchemaType: 'consumer',
  unsupported: ['post', 'patch'],
  listExclude: (key) => key.includes('/credentials/'),
  async check(ctx, username, conf) {
    checkSchema(consumerSchema, conf);
    if (username !== undefined && username !== conf.username) throw fail('wrong username');
    if (conf.plugins !== undefined) {
      checkPluginsOf(ctx, conf.plugins, 'consumer', 'invalid plugins configuration: ');
      const dup = await findDuplicateKey(ctx, conf.plugins, conf.username as string);
      if (dup !== undefined) throw fail(dup);
    }
    if (conf.group_id !== undefined) {
      const group = await ctx.store.get(`/consumer_groups/${String(conf.group_id)}`);
      if (!group) {
        throw fail(`failed to fetch consumer group info by consumer group id [${String(conf.group_id)}], response code: 404`);
      }
    }
    return conf.username as string;
  },
};
