/**
 * One `ssls` object of type `server` turned into what the HTTPS listener needs, once per
 * config revision: a TLS SecureContext (cert/key plus the extra `certs`/`keys` pairs, the
 * private keys decrypted with the data_encryption keyring as apisix/ssl.lua aes_decrypt_pkey
 * does, `ssl_protocols` as a version range) and the client-certificate policy (`client`).
 */
import { createSecureContext, type SecureContext, type SecureVersion } from 'node:tls';
import { decryptString } from '@portico/schemas';

export interface ServerCert {
  /** The ssl object's id. */
  id: string;
  snis: string[];
  context: SecureContext;
  /** Present when the ssl object asks for client certificates (mTLS). */
  client?: { skipMtlsUri: RegExp[] };
}

/** A stored ssl object the data plane cannot serve (bad PEM, undecryptable key, …). */
export class SslConfError extends Error {
  readonly code = 'invalid_ssl';
}

/** apisix/ssl.lua aes_decrypt_pkey: PEM (`---…`) is used as is, anything else is keyring ciphertext. */
export function decryptPrivateKey(stored: string, keyring: readonly string[]): string {
  if (stored.startsWith('---') || keyring.length === 0) return stored;
  const plain = decryptString(stored, keyring);
  if (plain === undefined) throw new SslConfError('failed to decrypt previous encrypted key');
  return plain;
}

const VERSIONS: readonly SecureVersion[] = ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** `ssl_protocols` as Node's min/max version (the lowest to the highest listed). */
export function protocolRange(list: unknown): { minVersion?: SecureVersion; maxVersion?: SecureVersion } {
  if (!Array.isArray(list) || list.length === 0) return {};
  const idx = list.map((p) => VERSIONS.indexOf(p as SecureVersion)).filter((i) => i >= 0);
  if (idx.length === 0) return {};
  return { minVersion: VERSIONS[Math.min(...idx)]!, maxVersion: VERSIONS[Math.max(...idx)]! };
}

/** Names the object serves: `snis`, else `sni`. */
export function sniNames(value: Record<string, unknown>): string[] {
  if (Array.isArray(value.snis) && value.snis.length > 0) return value.snis.map(String);
  return typeof value.sni === 'string' ? [value.sni] : [];
}

/** Build the serving form of one ssl object; throws SslConfError with the reason. */
export function buildServerCert(
  id: string,
  value: Record<string, unknown>,
  keyring: readonly string[],
  defaultProtocols: readonly string[] = [],
): ServerCert {
  const certs = [value.cert, ...(Array.isArray(value.certs) ? value.certs : [])] as string[];
  const keys = [value.key, ...(Array.isArray(value.keys) ? value.keys : [])] as string[];
  if (certs.length !== keys.length) throw new SslConfError('mismatched number of certs and keys');
  const client = value.client as { ca?: string; depth?: number; skip_mtls_uri_regex?: string[] } | undefined;
  let context: SecureContext;
  try {
    context = createSecureContext({
      cert: certs,
      key: keys.map((k) => decryptPrivateKey(k, keyring)),
      ...(client?.ca ? { ca: client.ca } : {}),
      ...protocolRange(value.ssl_protocols ?? defaultProtocols),
    });
  } catch (e) {
    if (e instanceof SslConfError) throw e;
    throw new SslConfError(`failed to load cert/key: ${(e as Error).message}`);
  }
  const cert: ServerCert = { id, snis: sniNames(value), context };
  if (client?.ca) {
    let skip: RegExp[];
    try {
      skip = (client.skip_mtls_uri_regex ?? []).map((r) => new RegExp(r));
    } catch (e) {
      throw new SslConfError(`invalid skip_mtls_uri_regex: ${(e as Error).message}`);
    }
    cert.client = { skipMtlsUri: skip };
  }
  return cert;
}
