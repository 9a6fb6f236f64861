/** `consumers/<username>/credentials` (apisix/admin/credentials.lua): one auth plugin each. */
import { credentialSchema } from '@portico/schemas';
import { checkPluginsOf, checkSchema } from '../checks.js';
import type { ResourceDescriptor } from '../context.js';
import { findDuplicateKey } from '../duplicate-keys.js';
import { fail } from '../errors.js';

export const credentials: ResourceDescriptor = {
  name: 'credentials',
  kind: 'credential',
  schema: credentialSchema,
  pluginSchemaType: 'consumer',
  unsupported: ['post', 'patch'],
  etcdKey(id, subPath) {
    if (id !== undefined) return `/consumers/${subPath.split('/')[0]}/credentials/${id}`;
    return `/consumers/${subPath}`;
  },
  async check(ctx, id, conf, _needId, opts) {
    checkSchema(credentialSchema, conf);
    if (conf.plugins === undefined) return;
    checkPluginsOf(ctx, conf.plugins, 'consumer', 'invalid plugins configuration: ');
    for (const name of Object.keys(conf.plugins as object)) {
      const def = ctx.plugin(name);
      if (!def) throw fail(`unknown plugin ${name}`);
      if (def.type !== 'auth') throw fail('only supports auth type plugins in consumer credential');
    }
    const consumer = opts.subPath.split('/')[0]!;
    const dup = await findDuplicateKey(ctx, conf.plugins, consumer, String(id));
    if (dup !== undefined) throw fail(dup);
  },
};
