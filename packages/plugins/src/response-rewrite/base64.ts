/**
 * `ngx.decode_base64` (ngx_decode_base64): the characters before the first `=` must all be in
 * the standard alphabet and must not leave a single dangling character; the rest is ignored.
 */
const ALPHABET = /^[A-Za-z0-9+/]*$/;

export function decodeNgxBase64(s: string): Buffer | undefined {
  const eq = s.indexOf('=');
  const data = eq < 0 ? s : s.slice(0, eq);
  if (!ALPHABET.test(data) || data.length % 4 === 1) return undefined;
  return Buffer.from(data, 'base64');
}
