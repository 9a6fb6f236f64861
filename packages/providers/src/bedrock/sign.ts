/**
 * SigV4 for Bedrock runtime requests (service `bedrock`, as APISIX's auth-aws.lua signs them).
 * Bedrock is not S3: the canonical URI is the wire path encoded once more, so a model id
 * `anthropic.claude-3-5-sonnet-20241022-v2:0` travels as `...v2%3A0` and is signed as `...v2%253A0`.
 */
import { signingKey, signRequest, type AwsCredentials } from '../aws/sigv4.js';

/** `auth.aws` as configured. */
export interface AwsAuthConf {
  access_key_id: string;
  secret_access_key: string;
  session_token?: string;
}

export const BEDROCK_SIGNING_SERVICE = 'bedrock';

/** Percent-encode one path segment the way ngx.escape_uri does (RFC 3986 unreserved kept). */
export function escapeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function unescapeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Decode each non-empty path segment, then encode it `times` times; slashes (and empty
 * segments) are kept. Idempotent over raw and once-encoded input (auth-aws.lua
 * normalize_and_encode_path): times=1 gives the wire path, times=2 the canonical URI.
 */
export function normalisePath(path: string, times: 1 | 2): string {
  return path.replace(/[^/]+/g, (seg) => {
    let s = unescapeSegment(seg);
    for (let i = 0; i < times; i++) s = escapeSegment(s);
    return s;
  });
}

export function credentialsOf(aws: AwsAuthConf): AwsCredentials {
  return { accessKeyId: aws.access_key_id, secretAccessKey: aws.secret_access_key, sessionToken: aws.session_token };
}

/**
 * The signing key of one credential set and region, derived once per UTC day (four HMACs
 * saved on every request).
 */
export class SigningKeyCache {
  private day = '';
  private key: Buffer | undefined;

  constructor(
    private readonly secret: string,
    private readonly region: string,
  ) {}

  readonly keyFor = (day: string): Buffer => {
    if (this.key === undefined || day !== this.day) {
      this.key = signingKey(this.secret, day, this.region, BEDROCK_SIGNING_SERVICE);
      this.day = day;
    }
    return this.key;
  };
}

export interface BedrockSignInput {
  /** Wire path (normalised, once-encoded) and query string without `?` ('' when none). */
  path: string;
  query: string;
  /** The Host header value sent (`host` or `host:port` for a non-default port). */
  host: string;
  body: Uint8Array | string;
  region: string;
  credentials: AwsCredentials;
  now?: Date;
  /** Cached day keys for these credentials and region. */
  keys?: SigningKeyCache;
}

/**
 * The headers that authenticate one request: `host`, `x-amz-date`, `x-amz-security-token`
 * (with a session token) and `authorization`, signing exactly those.
 */
export function signBedrockRequest(input: BedrockSignInput): Record<string, string> {
  const canonicalPath = normalisePath(input.path, 2);
  return signRequest({
    method: 'POST',
    url: `https://${input.host}${canonicalPath}${input.query ? `?${input.query}` : ''}`,
    headers: { host: input.host },
    body: input.body,
    service: BEDROCK_SIGNING_SERVICE,
    region: input.region,
    credentials: input.credentials,
    ...(input.now ? { now: input.now } : {}),
    ...(input.keys ? { keyFor: input.keys.keyFor } : {}),
  });
}
