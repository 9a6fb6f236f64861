import type { AwsAuthConf } from './bedrock/sign.js';

/** `auth` as configured (apisix/plugins/ai-proxy/schema.lua auth_schema). */
export interface AuthConf {
  header?: Record<string, string>;
  query?: Record<string, string>;
  gcp?: GcpAuthConf;
  /** SigV4 credentials (bedrock, APISIX 3.17+). */
  aws?: AwsAuthConf;
}

/** `auth.gcp`. */
export interface GcpAuthConf {
  service_account_json?: string;
  max_ttl?: number;
  expire_early_secs?: number;
}

/** Auth derived once per config revision. */
export interface PreparedAuth {
  /** `auth.header` with lower-cased names, so it overrides the client's same header. */
  headers: Readonly<Record<string, string>>;
  /** `auth.query` (never mutated, unlike APISIX which merges the endpoint query into it). */
  query: Readonly<Record<string, string>>;
  gcp: GcpAuthConf | undefined;
}

/**
 * Lower-case configured auth header names (openai-base.lua construct_forward_headers does the
 * same so `Authorization` replaces a client `authorization`).
 */
export function prepareAuth(auth: AuthConf | undefined): PreparedAuth {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(auth?.header ?? {})) headers[k.toLowerCase()] = String(v);
  return Object.freeze({
    headers: Object.freeze(headers),
    query: Object.freeze({ ...(auth?.query ?? {}) }),
    gcp: auth?.gcp,
  });
}

/**
 * `auth.query` merged with an endpoint's query string; the endpoint wins on conflicts
 * (core.table.merge(auth.query, endpoint args) in openai-base.lua).
 */
export function mergeQuery(authQuery: Readonly<Record<string, string>>, endpointQuery: string): string {
  const params = new URLSearchParams();
  const merged = new Map<string, string[]>();
  for (const [k, v] of Object.entries(authQuery)) merged.set(k, [v]);
  if (endpointQuery) {
    const endpointParams = new URLSearchParams(endpointQuery);
    for (const k of new Set(endpointParams.keys())) merged.set(k, endpointParams.getAll(k));
  }
  for (const [k, vs] of merged) for (const v of vs) params.append(k, v);
  return params.toString();
}
