/** encrypt_fields at rest, per the kind's `encrypted` (apisix/admin/plugins.lua encrypt_conf, utils.lua decrypt_params). */
import { decryptFields, encryptFields, encryptString, type ResourceKind } from '@portico/schemas';
import { decryptPlugins, encryptPlugins, type AdminContext } from '../context.js';

/** Only plugins that declare a metadata schema have metadata encrypt_fields (plugin_metadata.lua). */
function metadataFields(ctx: AdminContext, name: unknown): { fields: readonly string[]; keyring: readonly string[] } | undefined {
  const def = typeof name === 'string' ? ctx.plugin(name) : undefined;
  const keyring = ctx.keyring;
  return keyring && def?.metadataSchema && def.encryptFields?.length ? { fields: def.encryptFields, keyring } : undefined;
}

/** Encrypt the real conf before it is written; `identity` is what it is stored under. */
export function encryptStored(
  ctx: AdminContext,
  kind: ResourceKind,
  conf: Record<string, unknown>,
  identity: string | number | undefined,
): void {
  if (kind.encrypted === 'none') return;
  if (kind.encrypted === 'plugins') return encryptPlugins(ctx, conf.plugins);
  if (kind.encrypted === 'ssl-keys') return encryptSslKeys(ctx, conf);
  const m = metadataFields(ctx, identity === undefined ? undefined : String(identity));
  if (m) encryptFields(conf, m.fields, m.keyring);
}

/** Decrypt a stored value in place (GET, and before a PATCH merges into it). */
export function decryptStored(ctx: AdminContext, kind: ResourceKind, value: Record<string, unknown>): void {
  // ssl keys stay ciphertext: GET hides them, a PATCH keeps them (encryption skips non-PEM).
  if (kind.encrypted === 'none' || kind.encrypted === 'ssl-keys') return;
  if (kind.encrypted === 'plugins') return decryptPlugins(ctx, value.plugins);
  const m = metadataFields(ctx, value.id);
  if (m) decryptFields(value, m.fields, m.keyring);
}

/** apisix/ssl.lua aes_encrypt_pkey: PEM keys (`---…`) are encrypted; ciphertext is left alone. */
function encryptSslKeys(ctx: AdminContext, conf: Record<string, unknown>): void {
  const keyring = ctx.keyring;
  if (!keyring?.length) return;
  const enc = (v: unknown): unknown => (typeof v === 'string' && v.startsWith('---') ? encryptString(v, keyring) : v);
  if (conf.key !== undefined) conf.key = enc(conf.key);
  if (Array.isArray(conf.keys)) conf.keys = conf.keys.map(enc);
}

/** Drop the fields a kind never returns (ssls: private keys). */
export function hideOnRead(kind: ResourceKind, value: Record<string, unknown>): void {
  for (const f of kind.hiddenOnRead ?? []) delete value[f];
}
