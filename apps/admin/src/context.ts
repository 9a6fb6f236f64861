/** What resource descriptors and handlers share: the store, the plugins, the keyring. */
import type { JsonSchema, PluginDefinition, SchemaType } from '@portico/plugin-sdk';
import { decryptFields, encryptFields } from '@portico/schemas';
import type { AdminStore } from './store-ops.js';

export type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

export interface AdminContext {
  store: AdminStore;
  plugin(name: string): PluginDefinition | undefined;
  readonly plugins: readonly PluginDefinition[];
  /** Keyring for encrypt_fields; undefined when apisix.data_encryption is off. */
  keyring: readonly string[] | undefined;
}

export interface CheckOpts {
  /** Sub path of the URL (credentials: `<username>/credentials[/<id>]`). */
  subPath: string;
}

/** One Admin API resource (apisix/admin/<name>.lua passed to resource.new). */
export interface ResourceDescriptor {
  /** etcd directory and URL segment, e.g. "routes". */
  name: string;
  /** Word used in messages, e.g. "route", "plugin config". */
  kind: string;
  schema: JsonSchema;
  /** consumers / plugin_metadata: identity is not `id` (resource.lua no_id_res). */
  noId?: boolean;
  unsupported?: readonly Method[];
  /** Fields the `filter=` list query may compare (v3_adapter). */
  listFilterFields?: readonly string[];
  /** Plugin schema type of the resource's `plugins` (encryption). */
  pluginSchemaType: SchemaType;
  /**
   * Validate a deep copy of the conf (defaults may be written into it). Throws AdminError.
   * For noId resources returns the identity to store under (username, plugin name).
   */
  check(ctx: AdminContext, id: string | number | undefined, conf: Record<string, unknown>, needId: boolean, opts: CheckOpts): Promise<string | number | void>;
  /** Reference check before DELETE (skipped with ?force=true); returns the error message. */
  deleteCheck?(ctx: AdminContext, id: string): Promise<string | undefined>;
  /** Key override for sub-resources (credentials); relative to the prefix. */
  etcdKey?(id: string | undefined, subPath: string): string;
  /** Exclude keys of sub-resources from the list (consumers' credentials). */
  listExclude?(key: string): boolean;
  /** Encrypt encrypt_fields on the real conf before writing; default: the `plugins` map. */
  encrypt?(ctx: AdminContext, conf: Record<string, unknown>, id: string | number | undefined): void;
  /** Decrypt a stored value for GET; default: the `plugins` map. */
  decrypt?(ctx: AdminContext, value: Record<string, unknown>): void;
}

function eachPluginConf(ctx: AdminContext, plugins: unknown, fn: (def: PluginDefinition, conf: Record<string, unknown>) => void): void {
  if (typeof plugins !== 'object' || plugins === null || Array.isArray(plugins)) return;
  for (const [name, conf] of Object.entries(plugins as Record<string, unknown>)) {
    const def = ctx.plugin(name);
    if (def?.encryptFields?.length && typeof conf === 'object' && conf !== null) fn(def, conf as Record<string, unknown>);
  }
}

/** Encrypt every plugin's encrypt_fields in a `plugins` map (apisix/admin/plugins.lua encrypt_conf). */
export function encryptPlugins(ctx: AdminContext, plugins: unknown): void {
  const keyring = ctx.keyring;
  if (!keyring) return;
  eachPluginConf(ctx, plugins, (def, conf) => encryptFields(conf, def.encryptFields!, keyring));
}

/** Decrypt every plugin's encrypt_fields in a `plugins` map (apisix/admin/utils.lua decrypt_params). */
export function decryptPlugins(ctx: AdminContext, plugins: unknown): void {
  const keyring = ctx.keyring;
  if (!keyring) return;
  eachPluginConf(ctx, plugins, (def, conf) => decryptFields(conf, def.encryptFields!, keyring));
}
