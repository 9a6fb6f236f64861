/** encrypt_fields at rest, per the kind's `encrypted` (apisix/admin/plugins.lua encrypt_conf, utils.lua decrypt_params). */
import { decryptFields, encryptFields, type ResourceKind } from '@portico/schemas';
import { decryptPlugins, encryptPlugins, type AdminContext } from '../context.js';

/** Only plugins that declare a metadata schema have metadata encrypt_fields (plugin_metadata.lua). */
function metadataFields(ctx: AdminContext, name: unknown): { fields: readonly string[]; keyring: readonly string[] } | undefined {
  const def = typeof name === 'string' ? ctx.plugin(name) : undefined;
  const keyring = ctx.keyring;
  return keyring && def?.metadataSchema && def.encryptFields?.length ? { fields: def.encryptFields, keyring } : undefined;
}

/** Encrypt the real conf before it is written; `identity` is what it is stored under. */
export function encryptStored(ctx: AdminContext, kind: ResourceKind, conf: Record<string, unknown>, identity: string | number | undefined): void {
  if (kind.encrypted === 'plugins') return encryptPlugins(ctx, conf.plugins);
  const m = metadataFields(ctx, identity === undefined ? undefined : String(identity));
  if (m) encryptFields(conf, m.fields, m.keyring);
}

/** Decrypt a stored value in place (GET, and before a PATCH merges into it). */
export function decryptStored(ctx: AdminContext, kind: ResourceKind, value: Record<string, unknown>): void {
  if (kind.encrypted === 'plugins') return decryptPlugins(ctx, value.plugins);
  const m = metadataFields(ctx, value.id);
  if (m) decryptFields(value, m.fields, m.keyring);
}
