/** All core resource schemas, keyed like apisix/schema_def.lua (`GET /apisix/admin/schema/<name>`). */
import type { JsonSchema } from '@portico/plugin-sdk';
import { RESOURCE_KINDS } from '../kinds/table.js';
import { idSchema } from './common.js';
import { pluginsListSchema } from './others.js';

export * from './common.js';
export * from './others.js';
export * from './route.js';
export * from './upstream.js';

/** Core schemas by APISIX name; only these are served by `GET /apisix/admin/schema/<name>`. */
export const coreSchemas: Readonly<Record<string, JsonSchema>> = {
  ...Object.fromEntries(RESOURCE_KINDS.flatMap((k) => (k.schemaName ? [[k.schemaName, k.schema]] : []))),
  plugins: pluginsListSchema,
  id_schema: idSchema,
};
export * from './tls.js';
