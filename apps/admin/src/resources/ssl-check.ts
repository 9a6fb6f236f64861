/**
 * apisix/ssl.lua check_ssl_conf after the schema: each certificate and private key parses
 * (keys may already be ciphertext from an earlier write: decrypted with the keyring first),
 * and `certs` and `keys` pair up. Client-type objects need only their own pair.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { decryptString } from '@portico/schemas';
import { fail } from '../errors.js';

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

function validate(cert: string, key: string | undefined, keyring: readonly string[] | undefined): string | undefined {
  try {
    new X509Certificate(cert);
  } catch (e) {
    return `failed to parse cert: ${firstLine(e)}`;
  }
  if (key === undefined) return undefined;
  let pem = key;
  if (!key.startsWith('---') && keyring?.length) {
    const plain = decryptString(key, keyring);
    if (plain === undefined) return 'failed to decrypt previous encrypted key';
    pem = plain;
  }
  try {
    createPrivateKey(pem);
  } catch (e) {
    return `failed to parse key: ${firstLine(e)}`;
  }
  return undefined;
}

export function checkSsl(conf: Record<string, unknown>, keyring: readonly string[] | undefined): void {
  const err = validate(conf.cert as string, conf.key as string, keyring);
  if (err !== undefined) throw fail(err);
  if (conf.type === 'client') return;
  const certs = Array.isArray(conf.certs) ? (conf.certs as string[]) : [];
  const keys = Array.isArray(conf.keys) ? (conf.keys as string[]) : [];
  if (certs.length !== keys.length) throw fail('mismatched number of certs and keys');
  certs.forEach((c, i) => {
    const e = validate(c, keys[i], keyring);
    if (e !== undefined) throw fail(`failed to handle cert-key pair[${i + 1}]: ${e}`);
  });
  const client = conf.client as { ca?: string } | undefined;
  if (client?.ca) {
    const e = validate(client.ca, undefined, keyring);
    if (e !== undefined) throw fail(`failed to validate client_cert: ${e}`);
  }
}
