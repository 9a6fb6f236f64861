/**
 * AWS Secrets Manager (apisix/secret/aws.lua): `GetSecretValue` signed with SigV4. The key is
 * the secret id, optionally followed by `/<json field>`; as secret names may contain '/', the
 * longest name is tried first and segments move into the field on ResourceNotFoundException.
 */
import { signRequest } from '@portico/providers';
import { resolveEnv } from '../env.js';
import { parseRef } from '../refs.js';
import { awsSchema } from '../schemas.js';
import { type HttpFetch, jsonField, type SecretManager, SecretFetchError } from './types.js';

export interface AwsConf {
  access_key_id: string;
  secret_access_key: string;
  session_token?: string;
  region: string;
  endpoint_url?: string;
}

function envOr(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const ref = parseRef(v);
  if ('kind' in ref && ref.kind === 'env') {
    const r = resolveEnv(ref);
    if ('value' in r && r.value !== undefined) return r.value;
  }
  return v;
}

async function getSecretValue(conf: AwsConf, secretId: string, http: HttpFetch): Promise<string> {
  const endpoint = (conf.endpoint_url ?? `https://secretsmanager.${conf.region}.amazonaws.com`).replace(/\/+$/, '');
  const body = JSON.stringify({ SecretId: secretId, VersionStage: 'AWSCURRENT' });
  const headers = signRequest({
    method: 'POST',
    url: `${endpoint}/`,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body,
    service: 'secretsmanager',
    region: conf.region,
    credentials: {
      accessKeyId: envOr(conf.access_key_id)!,
      secretAccessKey: envOr(conf.secret_access_key)!,
      sessionToken: envOr(conf.session_token),
    },
  });
  delete headers.host;
  let status: number;
  let text: string;
  try {
    const res = await http(`${endpoint}/`, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
    status = res.status;
    text = await res.text();
  } catch (e) {
    throw new SecretFetchError((e as Error).message);
  }
  let parsed: { SecretString?: unknown; __type?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // reported below by status
  }
  if (status !== 200) {
    const type = typeof parsed.__type === 'string' ? parsed.__type : '';
    throw new SecretFetchError(
      `invalid status code ${status}${type ? `, ${type}` : ''}`,
      type.includes('ResourceNotFoundException'),
    );
  }
  if (typeof parsed.SecretString !== 'string') throw new SecretFetchError('invalid status code 200, no SecretString');
  return parsed.SecretString;
}

export const aws: SecretManager<AwsConf> = {
  name: 'aws',
  schema: awsSchema,
  async get(conf: AwsConf, key: string, http: HttpFetch): Promise<string | undefined> {
    if (key === '' || key.startsWith('/')) throw new SecretFetchError(`can't find main key, key: ${key}`);
    let mainKey = key;
    let subKey: string | undefined;
    for (;;) {
      try {
        const value = await getSecretValue(conf, mainKey, http);
        return subKey === undefined ? value : jsonField(value, subKey, 'aws secret manager');
      } catch (e) {
        const err = e as SecretFetchError;
        const idx = mainKey.lastIndexOf('/');
        if (!err.notFound || idx < 0) {
          throw new SecretFetchError(`failed to retrieve data from aws secret manager: ${err.message}`, err.notFound);
        }
        mainKey = key.slice(0, idx);
        subKey = key.slice(idx + 1);
      }
    }
  },
};
