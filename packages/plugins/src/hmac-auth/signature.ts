/**
 * The signing string and HMAC of apisix/plugins/hmac-auth.lua generate_signature:
 * `<keyId>\n` then, for each name in `headers`, `<name as listed>: <first value>\n` when the
 * request has that header, or `<METHOD> <request_uri>\n` for `@request-target` (absent headers
 * are skipped).
 */
import { createHash, createHmac } from 'node:crypto';
import type { RequestContext } from '@portico/plugin-sdk';
import { firstHeader } from '../auth-util/reply.js';
import type { HmacAlgorithm } from './schema.js';

const DIGEST: Readonly<Record<HmacAlgorithm, string>> = {
  'hmac-sha1': 'sha1',
  'hmac-sha256': 'sha256',
  'hmac-sha512': 'sha512',
};

export function signingString(ctx: RequestContext, keyId: string, headers: readonly string[] | undefined): string {
  let out = keyId + '\n';
  if (headers !== undefined) {
    for (const h of headers) {
      const value = firstHeader(ctx, h.toLowerCase());
      if (value !== undefined) out += `${h}: ${value}\n`;
      else if (h === '@request-target') {
        const uri = ctx.vars.get('request_uri') || '/';
        out += `${ctx.method} ${uri}\n`;
      }
    }
  }
  return out;
}

export function hmac(algorithm: HmacAlgorithm, secret: Buffer, message: string): Buffer {
  return createHmac(DIGEST[algorithm], secret).update(message, 'latin1').digest();
}

/** The `Digest` header value APISIX expects for a body: `SHA-256=<base64 sha256>`. */
export function bodyDigest(body: Uint8Array): string {
  return 'SHA-256=' + createHash('sha256').update(body).digest('base64');
}
