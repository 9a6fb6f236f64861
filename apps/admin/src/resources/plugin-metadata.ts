/** `plugin_metadata/<plugin>` (apisix/admin/plugin_metadata.lua): no timestamps, id = plugin name. */
import { checkPluginConf, decryptFields, encryptFields } from '@portico/schemas';
import type { ResourceDescriptor } from '../context.js';
import { fail } from '../errors.js';

export const pluginMetadata: ResourceDescriptor = {
  name: 'plugin_metadata',
  kind: 'plugin_metadata',
  schema: { type: 'object' },
  noId: true,
  pluginSchemaType: 'metadata',
  unsupported: ['post', 'patch'],
  async check(ctx, name, conf) {
    if (name === undefined) throw fail('missing plugin name');
    const def = ctx.plugin(String(name));
    if (!def) throw fail('invalid plugin name');
    const err = checkPluginConf(def, conf, 'metadata');
    if (err !== undefined) throw fail(`invalid configuration: ${err}`);
    return String(name);
  },
  // Only plugins that declare a metadata schema have metadata encrypt_fields (plugin_metadata.lua).
  encrypt(ctx, conf, name) {
    const def = name === undefined ? undefined : ctx.plugin(String(name));
    if (ctx.keyring && def?.metadataSchema && def.encryptFields?.length) encryptFields(conf, def.encryptFields, ctx.keyring);
  },
  decrypt(ctx, value) {
    const def = typeof value.id === 'string' ? ctx.plugin(value.id) : undefined;
    if (ctx.keyring && def?.metadataSchema && def.encryptFields?.length) decryptFields(value, def.encryptFields, ctx.keyring);
  },
};
