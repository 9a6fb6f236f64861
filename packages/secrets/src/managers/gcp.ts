/**
 * GCP Secret Manager (apisix/secret/gcp.lua): OAuth with a service account (`auth_config` or
 * `auth_file`), then `GET <entries_uri>/projects/<project>/secrets/<name>/versions/latest:access`;
 * the payload is base64. The key is `<name>` or `<name>/<json field>`.
 */
import { readFileSync } from 'node:fs';
import { GcpTokenSource } from '@portico/providers';
import { gcpSchema } from '../schemas.js';
import { type HttpFetch, jsonField, type SecretManager, SecretFetchError } from './types.js';

interface AuthConfig {
  client_email: string;
  private_key: string;
  project_id: string;
  token_uri: string;
  scope: string[];
  entries_uri: string;
}

export interface GcpConf {
  auth_config?: AuthConfig;
  auth_file?: string;
  ssl_verify: boolean;
}

/** Token sources per service account and scope, so tokens are reused until they expire. */
const sources = new Map<string, GcpTokenSource>();

function authOf(conf: GcpConf): AuthConfig {
  if (conf.auth_config) return conf.auth_config;
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(readFileSync(conf.auth_file!, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new SecretFetchError(`failed to read configuration, file: ${conf.auth_file}, err: ${(e as Error).message}`);
  }
  const { client_email, private_key, project_id } = file;
  if (typeof client_email !== 'string' || typeof private_key !== 'string' || typeof project_id !== 'string') {
    throw new SecretFetchError(`config parse failure, file: ${conf.auth_file}`);
  }
  return {
    client_email,
    private_key,
    project_id,
    token_uri: typeof file.token_uri === 'string' ? file.token_uri : 'https://oauth2.googleapis.com/token',
    scope: ['https://www.googleapis.com/auth/cloud-platform'],
    entries_uri: 'https://secretmanager.googleapis.com/v1',
  };
}

function sourceFor(auth: AuthConfig, http: HttpFetch): GcpTokenSource {
  const scope = auth.scope.join(' ');
  const id = `${auth.client_email}#${auth.project_id}#${auth.token_uri}#${scope}`;
  let src = sources.get(id);
  if (!src) {
    const account = JSON.stringify({ client_email: auth.client_email, private_key: auth.private_key, token_uri: auth.token_uri });
    src = new GcpTokenSource({ service_account_json: account }, { fetch: http, scope });
    sources.set(id, src);
  }
  return src;
}

export const gcp: SecretManager<GcpConf> = {
  name: 'gcp',
  schema: gcpSchema,
  async get(conf: GcpConf, key: string, http: HttpFetch): Promise<string | undefined> {
    const idx = key.indexOf('/');
    const mainKey = idx < 0 ? key : key.slice(0, idx);
    if (mainKey === '') throw new SecretFetchError(`can't find main key, key: ${key}`);
    const subKey = idx < 0 ? undefined : key.slice(idx + 1);
    const auth = authOf(conf);
    let token: string;
    try {
      token = await sourceFor(auth, http).getToken();
    } catch (e) {
      throw new SecretFetchError(`failed to retrtive data from gcp secret manager: ${(e as Error).message}`);
    }
    const url = `${auth.entries_uri}/projects/${auth.project_id}/secrets/${mainKey}/versions/latest:access`;
    let status: number;
    let text: string;
    try {
      const res = await http(url, {
        method: 'GET',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(5000),
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      throw new SecretFetchError(`failed to retrtive data from gcp secret manager: ${(e as Error).message}`);
    }
    if (status !== 200) throw new SecretFetchError(`failed to retrtive data from gcp secret manager: status ${status}`);
    let payload: unknown;
    try {
      payload = (JSON.parse(text) as { payload?: { data?: unknown } }).payload?.data;
    } catch (e) {
      throw new SecretFetchError(`failed to parse response data, ${(e as Error).message}`);
    }
    if (typeof payload !== 'string')
      throw new SecretFetchError('failed to retrtive data from gcp secret manager: invalid payload');
    const value = Buffer.from(payload, 'base64').toString('utf8');
    return subKey === undefined ? value : jsonField(value, subKey, 'gcp secret manager');
  },
};
