/**
 * Duplicate auth-key detection across consumers and credentials (apisix/consumer.lua
 * check_duplicate_key). Reads the store on every write (not a cache) and compares against
 * decrypted stored values.
 */
import { decryptString, isSecretRef } from '@portico/schemas';
import type { AdminContext } from './context.js';

/** The attribute of each auth plugin that must be unique across consumers. */
const UNIQUE_ATTRS: Readonly<Record<string, string>> = {
  'key-auth': 'key',
  'basic-auth': 'username',
  'jwt-auth': 'key',
  'hmac-auth': 'key_id',
  'ldap-auth': 'user_dn',
  'ldap-auth-advanced': 'user_dn',
};

interface Owner {
  consumer: string;
  credentialId?: string;
}

function uniqueValues(plugins: unknown): [string, string, string][] {
  const out: [string, string, string][] = [];
  if (typeof plugins !== 'object' || plugins === null) return out;
  for (const [name, conf] of Object.entries(plugins as Record<string, unknown>)) {
    const attr = UNIQUE_ATTRS[name];
    const v = attr && typeof conf === 'object' && conf !== null ? (conf as Record<string, unknown>)[attr] : undefined;
    // secret references are resolved at runtime only: not comparable here
    if (attr && typeof v === 'string' && !isSecretRef(v)) out.push([name, attr, v]);
  }
  return out;
}

function plain(ctx: AdminContext, stored: string): string {
  return ctx.keyring ? (decryptString(stored, ctx.keyring) ?? stored) : stored;
}

/**
 * APISIX's duplicate message, or undefined. A consumer does not conflict with itself or its own
 * credentials; a credential does not conflict with itself.
 */
export async function findDuplicateKey(
  ctx: AdminContext,
  plugins: unknown,
  consumer: string,
  credentialId?: string,
): Promise<string | undefined> {
  const wanted = uniqueValues(plugins);
  if (!wanted.length) return undefined;
  const items = await ctx.store.list('/consumers/');
  for (const [plugin, attr, value] of wanted) {
    for (const item of items) {
      const rel = item.key.slice(ctx.store.prefix.length + '/consumers/'.length);
      const parts = rel.split('/');
      const owner: Owner =
        parts[1] === 'credentials' ? { consumer: parts[0]!, credentialId: parts.slice(2).join('/') } : { consumer: rel };
      const conf = (item.value.plugins as Record<string, Record<string, unknown>> | undefined)?.[plugin];
      const stored = conf?.[attr];
      if (typeof stored !== 'string' || plain(ctx, stored) !== value) continue;
      const isSelf =
        credentialId !== undefined
          ? owner.consumer === consumer && owner.credentialId === credentialId
          : owner.consumer === consumer;
      if (isSelf) continue;
      const desc =
        owner.credentialId !== undefined
          ? `credential: ${owner.credentialId} of consumer: ${owner.consumer}`
          : `consumer: ${owner.consumer}`;
      return `duplicate ${attr} of plugin ${plugin} found with ${desc}`;
    }
  }
  return undefined;
}
