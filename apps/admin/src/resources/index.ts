/** Resource descriptors by URL segment (apisix/admin/init.lua `resources`). */
import type { ResourceDescriptor } from '../context.js';
import { consumerGroups } from './consumer-groups.js';
import { consumers } from './consumers.js';
import { credentials } from './credentials.js';
import { globalRules } from './global-rules.js';
import { pluginConfigs } from './plugin-configs.js';
import { pluginMetadata } from './plugin-metadata.js';
import { routes } from './routes.js';
import { services } from './services.js';
import { upstreams } from './upstreams.js';

export const resources: Readonly<Record<string, ResourceDescriptor>> = {
  routes,
  services,
  upstreams,
  consumers,
  credentials,
  global_rules: globalRules,
  plugin_configs: pluginConfigs,
  plugin_metadata: pluginMetadata,
  consumer_groups: consumerGroups,
};
