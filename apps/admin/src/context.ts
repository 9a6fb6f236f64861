/** What the resource handler and its checks share: the store, the plugins, the keyring. */
import type { PluginDefinition } from '@portico/plugin-sdk';
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

function eachPluginConf(
  ctx: AdminContext,
  plugins: unknown,
  fn: (def: PluginDefinition, conf: Record<string, unknown>) => void,
): void {
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
