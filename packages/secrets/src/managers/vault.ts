/**
 * HashiCorp Vault KV engine (apisix/secret/vault.lua): `GET <uri>/v1/<prefix>/<path>` with
 * `X-Vault-Token` (itself possibly an `$env://` reference) and `X-Vault-Namespace`; the key's
 * last segment names the field. Reads KV v1 answers (`data.<field>`, what APISIX reads) and
 * KV v2 answers (`data.data.<field>`, with `prefix: <mount>/data/...`).
 */
import { posix } from 'node:path';
import { resolveEnv } from '../env.js';
import { parseRef } from '../refs.js';
import { vaultSchema } from '../schemas.js';
import { type HttpFetch, type SecretManager, SecretFetchError } from './types.js';

export interface VaultConf {
  uri: string;
  prefix: string;
  token: string;
  namespace?: string;
  /** Seconds; APISIX's client uses 5 when unset. */
  timeout?: number;
}

/** `token` may be `$env://NAME`: read at use, like APISIX's env.fetch_by_uri. */
function tokenOf(token: string): string {
  const ref = parseRef(token);
  if ('kind' in ref && ref.kind === 'env') {
    const r = resolveEnv(ref);
    if ('value' in r && r.value !== undefined) return r.value;
  }
  return token;
}

export const vault: SecretManager<VaultConf> = {
  name: 'vault',
  schema: vaultSchema,
  async get(conf: VaultConf, key: string, http: HttpFetch): Promise<string | undefined> {
    const idx = key.lastIndexOf('/');
    if (idx < 0) throw new SecretFetchError(`error key format, key: ${key}`);
    const mainKey = key.slice(0, idx);
    if (mainKey === '') throw new SecretFetchError(`can't find main key, key: ${key}`);
    const subKey = key.slice(idx + 1);
    if (subKey === '') throw new SecretFetchError(`can't find sub key, key: ${key}`);
    const url = conf.uri.replace(/\/+$/, '') + posix.normalize(`/v1/${conf.prefix}/${mainKey}`);
    const headers: Record<string, string> = { 'X-Vault-Token': tokenOf(conf.token) };
    if (conf.namespace) headers['X-Vault-Namespace'] = conf.namespace;
    let status: number;
    let text: string;
    try {
      const res = await http(url, { method: 'GET', headers, signal: AbortSignal.timeout((conf.timeout ?? 5) * 1000) });
      status = res.status;
      text = await res.text();
    } catch (e) {
      throw new SecretFetchError(`failed to retrtive data from vault kv engine: ${(e as Error).message}`);
    }
    if (status === 404) return undefined;
    if (status !== 200) throw new SecretFetchError(`failed to retrtive data from vault kv engine: status ${status}`);
    let body: { data?: unknown };
    try {
      body = JSON.parse(text) as { data?: unknown };
    } catch {
      throw new SecretFetchError('failed to decode result from vault kv engine');
    }
    if (typeof body?.data !== 'object' || body.data === null)
      throw new SecretFetchError('failed to decode result from vault kv engine');
    const data = body.data as Record<string, unknown>;
    const fields =
      typeof data.data === 'object' && data.data !== null && typeof data.metadata === 'object'
        ? (data.data as Record<string, unknown>)
        : data;
    const v = fields[subKey];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : JSON.stringify(v);
  },
};
