import type { GcpAuthConf } from '../auth.js';
import { signRs256Jwt } from './jwt.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** APISIX falls back to 6 s when the token endpoint gives no lifetime (openai-base.lua). */
const FALLBACK_TTL_SECS = 6;

/** Typed failure of the GCP token flow. `code` is stable. */
export class GcpAuthError extends Error {
  constructor(
    readonly code: 'GCP_NO_SERVICE_ACCOUNT' | 'GCP_BAD_SERVICE_ACCOUNT' | 'GCP_TOKEN_REQUEST_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'GcpAuthError';
  }
}

interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

export interface GcpTokenSourceOptions {
  /** Defaults to process.env.GCP_SERVICE_ACCOUNT, read when the source is built. */
  envServiceAccount?: string | undefined;
  fetch?: FetchLike;
  /** Seconds clock, for tests. */
  now?: () => number;
  /** OAuth scopes (space-separated); defaults to cloud-platform. */
  scope?: string;
}

/** Cache lifetime per APISIX: minus expire_early_secs only when larger, then capped by max_ttl. */
export function tokenCacheTtl(expiresIn: number | undefined, conf: GcpAuthConf): number {
  let ttl = expiresIn ?? FALLBACK_TTL_SECS;
  const early = conf.expire_early_secs ?? 60;
  if (ttl > early) ttl -= early;
  if (conf.max_ttl !== undefined && ttl > conf.max_ttl) ttl = conf.max_ttl;
  return ttl;
}

/**
 * OAuth access tokens for one `auth.gcp` conf: a signed JWT exchanged at the service
 * account's token_uri (apisix/utils/google-cloud-oauth.lua), cached per plugin conf.
 * Concurrent callers share one in-flight exchange.
 */
export class GcpTokenSource {
  private cached: { token: string; expiresAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private readonly account: ServiceAccount | GcpAuthError;
  private readonly fetchFn: FetchLike;
  private readonly now: () => number;
  private readonly scope: string;

  constructor(
    private readonly conf: GcpAuthConf,
    opts: GcpTokenSourceOptions = {},
  ) {
    const env = 'envServiceAccount' in opts ? opts.envServiceAccount : process.env.GCP_SERVICE_ACCOUNT;
    this.account = parseAccount(conf.service_account_json || env);
    this.fetchFn = opts.fetch ?? (globalThis.fetch as unknown as FetchLike);
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.scope = opts.scope ?? SCOPE;
  }

  /** A valid access token, from cache when fresh. Rejects with GcpAuthError. */
  getToken(): Promise<string> {
    if (this.cached && this.cached.expiresAt > this.now()) return Promise.resolve(this.cached.token);
    this.inflight ??= this.exchange().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async exchange(): Promise<string> {
    const account = this.account;
    if (account instanceof GcpAuthError) throw account;
    const iat = Math.floor(this.now());
    const aud = account.token_uri ?? DEFAULT_TOKEN_URI;
    const assertion = signRs256Jwt(
      { iss: account.client_email, scope: this.scope, aud, iat, exp: iat + 3600 },
      account.private_key,
      account.private_key_id,
    );
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    let status: number;
    let text: string;
    try {
      const res = await this.fetchFn(aud, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw new GcpAuthError('GCP_TOKEN_REQUEST_FAILED', `token request failed: ${(err as Error).message}`);
    }
    let parsed: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // handled below
    }
    if (status !== 200 || typeof parsed.access_token !== 'string') {
      throw new GcpAuthError('GCP_TOKEN_REQUEST_FAILED', `token endpoint returned status ${status}`);
    }
    const ttl = tokenCacheTtl(typeof parsed.expires_in === 'number' ? parsed.expires_in : undefined, this.conf);
    this.cached = { token: parsed.access_token, expiresAt: this.now() + ttl };
    return parsed.access_token;
  }
}

function parseAccount(json: string | undefined): ServiceAccount | GcpAuthError {
  if (!json)
    return new GcpAuthError(
      'GCP_NO_SERVICE_ACCOUNT',
      'no gcp service account (auth.gcp.service_account_json or GCP_SERVICE_ACCOUNT)',
    );
  let sa: Partial<ServiceAccount>;
  try {
    sa = JSON.parse(json) as Partial<ServiceAccount>;
  } catch {
    return new GcpAuthError('GCP_BAD_SERVICE_ACCOUNT', 'invalid gcp service account json');
  }
  if (typeof sa.client_email !== 'string' || typeof sa.private_key !== 'string') {
    return new GcpAuthError('GCP_BAD_SERVICE_ACCOUNT', 'gcp service account json lacks client_email or private_key');
  }
  return sa as ServiceAccount;
}
