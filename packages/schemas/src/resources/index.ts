/** All core resource schemas, keyed like apisix/schema_def.lua (`GET /apisix/admin/schema/<name>`). */
import type { JsonSchema } from '@portico/plugin-sdk';
import { idSchema } from './common.js';
import {
  consumerGroupSchema, consumerSchema, credentialSchema, globalRuleSchema, pluginConfigSchema, pluginsListSchema,
} from './others.js';
import { routeSchema, serviceSchema } from './route.js';
import { upstreamSchema } from './upstream.js';

export * from './common.js';
export * from './others.js';
export * from './route.js';
export * from './upstream.js';

/** Core schemas by APISIX name; only these are served by `GET /apisix/admin/schema/<name>`. */
export const coreSchemas: Readonly<Record<string, JsonSchema>> = {
  route: routeSchema,
  service: serviceSchema,
  upstream: upstreamSchema,
  consumer: consumerSchema,
  credential: credentialSchema,
  global_rule: globalRuleSchema,
  plugin_config: pluginConfigSchema,
  consumer_group: consumerGroupSchema,
  plugins: pluginsListSchema,
  id_schema: idSchema,
};
