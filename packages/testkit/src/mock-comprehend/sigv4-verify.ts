/**
 * An independent SigV4 check for the mock: recomputes the signature of a received request
 * from its method, path, query, the headers it lists as signed and its body, with the
 * secret the mock knows for the access key. Written apart from the gateway's signer so a
 * bug in one is not mirrored by the other.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface ParsedAuthorization {
  accessKeyId: string;
  day: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  const m = value === undefined ? null : AUTH_RE.exec(value);
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    day: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
  };
}

const sha256 = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');
const hmac = (k: string | Buffer, d: string): Buffer => createHmac('sha256', k).update(d).digest();

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  const s = Array.isArray(v) ? v.join(',') : (v ?? '');
  return s.trim().replace(/\s+/g, ' ');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return query
    .split('&')
    .map((p) => {
      const i = p.indexOf('=');
      const k = decodeURIComponent(i < 0 ? p : p.slice(0, i));
      const v = decodeURIComponent(i < 0 ? '' : p.slice(i + 1));
      return [enc(k), enc(v)] as const;
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** The signature AWS would expect for this request. */
export function expectedSignature(
  auth: ParsedAuthorization,
  secret: string,
  req: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const canonical = [
    req.method,
    path || '/',
    canonicalQuery(query),
    auth.signedHeaders.map((h) => `${h}:${headerValue(req.headers, h)}\n`).join(''),
    auth.signedHeaders.join(';'),
    sha256(req.body),
  ].join('\n');
  const date = headerValue(req.headers, 'x-amz-date');
  const scope = `${auth.day}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, auth.day), auth.region), auth.service), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}
