import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * APISIX field encryption (apisix/core/data_encryption.lua): AES-CBC with key = IV = the
 * keyring entry (16 bytes → AES-128, 32 bytes → AES-256), PKCS7 padding, base64 text.
 * Encryption uses the first keyring entry; decryption tries each entry in order.
 */
export const DEFAULT_KEYRING: readonly string[] = ['qeddd145sfvddff3', 'edd1c9f0985e76a2'];

function algorithmFor(key: Buffer): string | undefined {
  if (key.length === 16) return 'aes-128-cbc';
  if (key.length === 32) return 'aes-256-cbc';
  return undefined;
}

/** Encrypt a plaintext with the first usable keyring entry. Returns the input when none is usable. */
export function encryptString(plain: string, keyring: readonly string[]): string {
  for (const k of keyring) {
    const key = Buffer.from(k);
    const alg = algorithmFor(key);
    if (!alg) continue;
    const cipher = createCipheriv(alg, key, key.subarray(0, 16));
    return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
  }
  return plain;
}

/** Decrypt a stored value; returns undefined when no keyring entry decrypts it. */
export function decryptString(stored: string, keyring: readonly string[]): string | undefined {
  const data = Buffer.from(stored, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) return undefined;
  for (const k of keyring) {
    const key = Buffer.from(k);
    const alg = algorithmFor(key);
    if (!alg) continue;
    try {
      const decipher = createDecipheriv(alg, key, key.subarray(0, 16));
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      // wrong key for this entry: try the next one
    }
  }
  return undefined;
}

/**
 * Apply fn to the string at one dotted path below `node`. An array met on the way is walked
 * element by element (apisix/plugin.lua process_encrypt_field), so `brokers.sasl_config.password`
 * reaches every broker's password. Mutates in place.
 */
function mapPath(node: unknown, parts: readonly string[], fn: (v: string) => string): void {
  if (Array.isArray(node)) {
    for (const item of node) mapPath(item, parts, fn);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const [head, ...rest] = parts;
  if (head === undefined) return;
  if (rest.length === 0) {
    if (typeof obj[head] === 'string') obj[head] = fn(obj[head] as string);
    return;
  }
  mapPath(obj[head], rest, fn);
}

/** Apply fn to each dotted-path string field of conf that exists. Mutates conf. */
function mapFields(conf: Record<string, unknown>, fields: readonly string[], fn: (v: string) => string): void {
  for (const path of fields) mapPath(conf, path.split('.'), fn);
}

/** Encrypt a plugin conf's encrypt_fields in place (admin, before writing to etcd). */
export function encryptFields(conf: Record<string, unknown>, fields: readonly string[], keyring: readonly string[]): void {
  mapFields(conf, fields, (v) => encryptString(v, keyring));
}

/**
 * Decrypt a plugin conf's encrypt_fields in place (admin GET, data-plane load). A value that
 * does not decrypt is kept as is: it was stored before encryption was enabled (APISIX does the same).
 */
export function decryptFields(conf: Record<string, unknown>, fields: readonly string[], keyring: readonly string[]): void {
  mapFields(conf, fields, (v) => decryptString(v, keyring) ?? v);
}
