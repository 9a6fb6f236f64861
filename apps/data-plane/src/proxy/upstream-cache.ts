import { decryptPrivateKey } from '../tls/server-cert.js';
import { UpstreamConfError, UpstreamRuntime, type ClientCert } from './upstream.js';

/** The part of an `ssls` object the upstream TLS client needs. */
export interface SslObject {
  modRevision: number;
  value: Record<string, unknown>;
}

/**
 * Upstream runtimes by identity (`<etcd key>#<modRevision>` of the object defining them), so
 * an unchanged upstream keeps its picker state and connection pools across snapshots.
 */
export class UpstreamCache {
  private readonly byKey = new Map<string, UpstreamRuntime>();
  private ssls: ReadonlyMap<string, SslObject> = new Map();

  /** Keyring of `data_encryption`: client keys are stored encrypted. */
  constructor(private readonly keyring: readonly string[] = []) {}

  /** The `ssls` objects of the snapshot being built (for `tls.client_cert_id`). */
  useSsls(ssls: ReadonlyMap<string, SslObject>): void {
    this.ssls = ssls;
  }

  /** The runtime for a definition; throws UpstreamConfError when it cannot be used. */
  get(cacheKey: string, conf: unknown): UpstreamRuntime {
    if (!conf || typeof conf !== 'object') throw new UpstreamConfError('invalid upstream');
    const client = this.clientCertOf(conf as Record<string, unknown>);
    // A client certificate from an ssl object is part of the identity: rotating it rebuilds the pools.
    const key = client?.rev === undefined ? cacheKey : `${cacheKey}#ssl@${client.rev}`;
    let up = this.byKey.get(key);
    if (up === undefined) {
      up = new UpstreamRuntime(conf as Record<string, unknown>, client?.cert);
      this.byKey.set(key, up);
    }
    return up;
  }

  /** apisix/upstream.lua: `tls.client_cert` + `tls.client_key`, or the `client` ssl object `tls.client_cert_id`. */
  private clientCertOf(conf: Record<string, unknown>): { cert: ClientCert; rev?: number } | undefined {
    const tls = conf.tls as { client_cert?: string; client_key?: string; client_cert_id?: string | number } | undefined;
    if (!tls) return undefined;
    try {
      if (tls.client_cert_id !== undefined) {
        const ssl = this.ssls.get(String(tls.client_cert_id));
        if (!ssl) throw new UpstreamConfError(`failed to get ssl cert: ssl id [${String(tls.client_cert_id)}] not exits`);
        const v = ssl.value;
        if (v.type !== 'client')
          throw new UpstreamConfError(
            `failed to get ssl cert: ssl id [${String(tls.client_cert_id)}] is not a client certificate`,
          );
        return { cert: { cert: v.cert as string, key: decryptPrivateKey(v.key as string, this.keyring) }, rev: ssl.modRevision };
      }
      if (tls.client_cert && tls.client_key)
        return { cert: { cert: tls.client_cert, key: decryptPrivateKey(tls.client_key, this.keyring) } };
    } catch (e) {
      if (e instanceof UpstreamConfError) throw e;
      throw new UpstreamConfError((e as Error).message);
    }
    return undefined;
  }

  /** Close runtimes whose key is not in `live`. */
  sweep(live: ReadonlySet<string>): void {
    for (const [k, up] of this.byKey) {
      if (!live.has(k)) {
        this.byKey.delete(k);
        up.close();
      }
    }
  }

  closeAll(): void {
    this.sweep(new Set());
  }
}
