/**
 * The server certificates of the `ssls` objects, indexed by SNI once per config revision that
 * changes them. An unchanged object (same key and mod revision) keeps its built SecureContext.
 * Objects that cannot be served (bad PEM, undecryptable key) are logged and left out.
 */
import { buildServerCert, type ServerCert } from './server-cert.js';
import { SniIndex } from './sni-index.js';

export interface SslItem {
  key: string;
  id: string;
  modRevision: number;
  value: Record<string, unknown>;
}

export class CertificateCache {
  private built = new Map<string, { rev: number; cert: ServerCert }>();

  constructor(
    private readonly keyring: readonly string[],
    /** apisix.ssl.ssl_protocols: for objects without their own `ssl_protocols`. */
    private readonly protocols: readonly string[],
    private readonly warn: (msg: string, obj: object) => void,
  ) {}

  /** The SNI index of these objects (type `server`, status not 0), in key order (first name wins). */
  index(items: Iterable<SslItem>): SniIndex<ServerCert> {
    const next = new Map<string, { rev: number; cert: ServerCert }>();
    const index = new SniIndex<ServerCert>();
    const sorted = [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const item of sorted) {
      const v = item.value;
      if ((v.type ?? 'server') !== 'server' || v.status === 0) continue;
      let entry = this.built.get(item.key);
      if (!entry || entry.rev !== item.modRevision) {
        try {
          entry = { rev: item.modRevision, cert: buildServerCert(item.id, v, this.keyring, this.protocols) };
        } catch (e) {
          this.warn('ssl object skipped', { ssl_id: item.id, err: (e as Error).message });
          continue;
        }
      }
      next.set(item.key, entry);
      index.add(entry.cert.snis, entry.cert);
    }
    this.built = next;
    return index;
  }
}
