/**
 * The resource kinds (apisix/admin/init.lua `resources`, apisix/constants.lua
 * HTTP_ETCD_DIRECTORY): one descriptor each. Adding a kind is adding one entry here.
 */
import {
  consumerGroupSchema,
  consumerSchema,
  credentialSchema,
  globalRuleSchema,
  pluginConfigSchema,
} from '../resources/others.js';
import { routeSchema, serviceSchema } from '../resources/route.js';
import { protoSchema, sslSchema, streamRouteSchema } from '../resources/tls.js';
import { upstreamSchema } from '../resources/upstream.js';
import type { KeyLayout, ResourceKind } from './types.js';

const ID = { kind: 'id' } as const;
const DIR = { kind: 'dir' } as const;

function kind<const N extends string>(k: ResourceKind & { name: N }): ResourceKind & { name: N } {
  return k;
}

const routes = kind({
  name: 'routes',
  word: 'route',
  schema: routeSchema,
  schemaName: 'route',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: [],
  checks: ['exclusive', 'schema', 'upstream', 'references', 'plugins', 'vars'],
  exclusive: [
    ['host', 'hosts'],
    ['remote_addr', 'remote_addrs'],
  ],
  upstream: 'inline',
  plugins: { schemaType: 'route', scope: 'route' },
  references: [
    { field: 'upstream_id', kind: 'upstreams' },
    { field: 'service_id', kind: 'services' },
    { field: 'plugin_config_id', kind: 'plugin_configs' },
  ],
  encrypted: 'plugins',
  timestamps: true,
  listFilterFields: ['service_id', 'upstream_id'],
});

const services = kind({
  name: 'services',
  word: 'service',
  schema: serviceSchema,
  schemaName: 'service',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: [],
  checks: ['schema', 'upstream', 'references', 'plugins'],
  upstream: 'inline',
  plugins: { schemaType: 'route', scope: 'service' },
  references: [{ field: 'upstream_id', kind: 'upstreams' }],
  deleteGuard: {
    message: 'can not delete this service directly',
    referrers: [{ kind: 'routes', label: 'route', field: 'service_id' }],
  },
  encrypted: 'plugins',
  timestamps: true,
});

const upstreams = kind({
  name: 'upstreams',
  word: 'upstream',
  schema: upstreamSchema,
  schemaName: 'upstream',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: [],
  checks: ['upstream'],
  upstream: 'self',
  deleteGuard: {
    message: 'can not delete this upstream',
    referrers: [
      { kind: 'routes', label: 'route', field: 'upstream_id', viaPlugins: true },
      { kind: 'services', label: 'service', field: 'upstream_id', viaPlugins: true },
      { kind: 'plugin_configs', label: 'plugin_config', viaPlugins: true },
      { kind: 'consumers', label: 'consumer', viaPlugins: true },
      { kind: 'consumer_groups', label: 'consumer_group', viaPlugins: true },
      { kind: 'global_rules', label: 'global_rules', viaPlugins: true },
    ],
  },
  encrypted: 'plugins',
  timestamps: true,
});

const consumers = kind({
  name: 'consumers',
  word: 'consumer',
  schema: consumerSchema,
  schemaName: 'consumer',
  syncSchema: true,
  id: { kind: 'field', field: 'username' },
  key: DIR,
  unsupported: ['post', 'patch'],
  checks: ['schema', 'identity', 'plugins', 'references'],
  plugins: { schemaType: 'consumer', scope: 'consumer', errorPrefix: 'invalid plugins configuration: ', uniqueAuthKeys: true },
  references: [{ field: 'group_id', kind: 'consumer_groups' }],
  encrypted: 'plugins',
  timestamps: true,
});

const credentials = kind({
  name: 'credentials',
  word: 'credential',
  schema: credentialSchema,
  schemaName: 'credential',
  syncSchema: true,
  id: ID,
  key: { kind: 'child', parent: 'consumers', segment: 'credentials' },
  unsupported: ['post', 'patch'],
  checks: ['schema', 'plugins'],
  plugins: {
    schemaType: 'consumer',
    scope: 'consumer',
    errorPrefix: 'invalid plugins configuration: ',
    authOnly: true,
    uniqueAuthKeys: true,
  },
  encrypted: 'plugins',
  timestamps: true,
});

const globalRules = kind({
  name: 'global_rules',
  word: 'global rule',
  schema: globalRuleSchema,
  schemaName: 'global_rule',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: ['post'],
  checks: ['schema', 'plugins'],
  plugins: { schemaType: 'route', scope: 'global_rule', uniqueAcrossKind: true },
  encrypted: 'plugins',
  timestamps: true,
});

const pluginConfigs = kind({
  name: 'plugin_configs',
  word: 'plugin config',
  schema: pluginConfigSchema,
  schemaName: 'plugin_config',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: ['post'],
  checks: ['schema', 'plugins'],
  plugins: { schemaType: 'route', scope: 'plugin_config' },
  deleteGuard: {
    message: 'can not delete this plugin config',
    referrers: [{ kind: 'routes', label: 'route', field: 'plugin_config_id' }],
  },
  encrypted: 'plugins',
  timestamps: true,
});

const pluginMetadata = kind({
  name: 'plugin_metadata',
  word: 'plugin_metadata',
  schema: { type: 'object' },
  syncSchema: false,
  id: { kind: 'name', missing: 'missing plugin name' },
  key: DIR,
  unsupported: ['post', 'patch'],
  checks: ['identity', 'metadata'],
  encrypted: 'metadata',
  timestamps: false,
});

const consumerGroups = kind({
  name: 'consumer_groups',
  word: 'consumer group',
  schema: consumerGroupSchema,
  schemaName: 'consumer_group',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: ['post'],
  // consumer_group.lua checks plugins with the default (route) schema.
  checks: ['schema', 'plugins'],
  plugins: { schemaType: 'route', scope: 'consumer_group' },
  deleteGuard: {
    message: 'can not delete this consumer group',
    referrers: [{ kind: 'consumers', label: 'consumer', field: 'group_id' }],
  },
  encrypted: 'plugins',
  timestamps: true,
});

const ssls = kind({
  name: 'ssls',
  word: 'ssl',
  schema: sslSchema,
  schemaName: 'ssl',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: [],
  checks: ['schema', 'ssl'],
  encrypted: 'ssl-keys',
  hiddenOnRead: ['key', 'keys'],
  timestamps: true,
});

const secrets = kind({
  name: 'secrets',
  word: 'secret',
  schema: { type: 'object' },
  syncSchema: false,
  id: ID,
  key: { kind: 'typed' },
  unsupported: ['post'],
  checks: ['secret'],
  encrypted: 'none',
  timestamps: true,
});

const protos = kind({
  name: 'protos',
  word: 'proto',
  schema: protoSchema,
  schemaName: 'proto',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: [],
  checks: ['schema'],
  encrypted: 'none',
  timestamps: true,
});

const streamRoutes = kind({
  name: 'stream_routes',
  word: 'stream route',
  schema: streamRouteSchema,
  schemaName: 'stream_route',
  syncSchema: true,
  id: ID,
  key: DIR,
  unsupported: [],
  checks: ['schema', 'upstream', 'references'],
  upstream: 'inline',
  references: [
    { field: 'upstream_id', kind: 'upstreams' },
    { field: 'service_id', kind: 'services' },
  ],
  encrypted: 'plugins',
  timestamps: true,
});

/** Every kind, in the order the data plane loads them. */
export const RESOURCE_KINDS = [
  routes,
  services,
  upstreams,
  consumers,
  credentials,
  globalRules,
  pluginConfigs,
  pluginMetadata,
  consumerGroups,
  ssls,
  secrets,
  protos,
  streamRoutes,
] as const;

/** One of the table's kinds (its `name` is a KindName). */
export type AnyKind = (typeof RESOURCE_KINDS)[number];
export type KindName = AnyKind['name'];

const BY_NAME: ReadonlyMap<string, AnyKind> = new Map(RESOURCE_KINDS.map((k) => [k.name, k]));

/** The kind named `name` (its URL segment), or undefined. */
export function resourceKind(name: string): AnyKind | undefined {
  return BY_NAME.get(name);
}

/** The descriptor of a kind known by name. */
export function kindOf(name: KindName): AnyKind {
  return BY_NAME.get(name) as AnyKind;
}

export type ChildKind = ResourceKind & { readonly key: Extract<KeyLayout, { kind: 'child' }> };

function isChild(k: ResourceKind): k is ChildKind {
  return k.key.kind === 'child';
}

/** Kinds stored under objects of `parent` (deleted with it, left out of its lists). */
export function childKinds(parent: string): readonly (AnyKind & ChildKind)[] {
  return RESOURCE_KINDS.filter((k): k is AnyKind & ChildKind => isChild(k) && k.key.parent === parent);
}

/** The kind stored at `/<parent>/<parentId>/<segment>/...`, or undefined. */
export function childKindAt(parent: string, segment: string | undefined): (AnyKind & ChildKind) | undefined {
  return childKinds(parent).find((k) => k.key.segment === segment);
}

/** The top-level resource arrays of a standalone configuration (every kind not stored under a parent). */
export const STANDALONE_KIND_NAMES: readonly string[] = RESOURCE_KINDS.filter((k) => k.key.kind !== 'child').map((k) => k.name);
