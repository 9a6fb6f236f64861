/**
 * Server-side SigV4 check, written independently of the gateway's signer: parse the
 * Authorization header, rebuild the canonical request from what arrived on the wire and
 * recompute the signature with the known secret.
 */
import { createHash, createHmac } from 'node:crypto';

export interface MockAwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry (and sign) this x-amz-security-token. */
  sessionToken?: string;
}

export interface SignedRequestView {
  method: string;
  /** Raw request target as received (path and query, still percent-encoded). */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

export type SigV4Verdict =
  | { ok: true }
  | {
      ok: false;
      errorType: 'MissingAuthenticationTokenException' | 'UnrecognizedClientException' | 'InvalidSignatureException';
      message: string;
    };

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const sha256 = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');
const hmac = (k: string | Buffer, d: string): Buffer => createHmac('sha256', k).update(d).digest();
const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function header(h: SignedRequestView['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const k = decodeURIComponent(i < 0 ? p : p.slice(0, i));
      const v = i < 0 ? '' : decodeURIComponent(p.slice(i + 1).replace(/\+/g, ' '));
      return [rfc3986(k), rfc3986(v)] as const;
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const INVALID_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Verify one request against `creds` for `region` / `service`. */
export function verifySigV4(req: SignedRequestView, creds: MockAwsCredentials, region: string, service: string): SigV4Verdict {
  const auth = header(req.headers, 'authorization');
  const date = header(req.headers, 'x-amz-date');
  if (!auth || !date)
    return { ok: false, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const m = AUTH_RE.exec(auth);
  if (!m) {
    return {
      ok: false,
      errorType: 'InvalidSignatureException',
      message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.`,
    };
  }
  const [, keyId, day, reqRegion, reqService, signedList, signature] = m as unknown as string[];
  const token = header(req.headers, 'x-amz-security-token');
  if (keyId !== creds.accessKeyId || (creds.sessionToken !== undefined && token !== creds.sessionToken)) {
    return {
      ok: false,
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const signed = signedList!.split(';');
  if (!signed.includes('host') || (token !== undefined && !signed.includes('x-amz-security-token'))) {
    return { ok: false, errorType: 'InvalidSignatureException', message: INVALID_SIGNATURE };
  }
  if (reqRegion !== region || reqService !== service || day !== date.slice(0, 8)) {
    return {
      ok: false,
      errorType: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region and service.`,
    };
  }
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  // Non-S3 services sign the URI encoded once more than it travels.
  const canonicalUri = rawPath
    .split('/')
    .map((seg) => rfc3986(seg))
    .join('/');
  const canonicalHeaders = signed.map((n) => `${n}:${(header(req.headers, n) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [
    req.method,
    canonicalUri,
    canonicalQuery(q < 0 ? '' : req.url.slice(q + 1)),
    canonicalHeaders,
    signedList,
    sha256(req.body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day!), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  return expected === signature
    ? { ok: true }
    : { ok: false, errorType: 'InvalidSignatureException', message: INVALID_SIGNATURE };
}
