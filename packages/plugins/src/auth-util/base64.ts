/**
 * Base64 decoding with nginx's rules (ngx_decode_base64 / ngx_decode_base64url, behind
 * `ngx.decode_base64` and `ngx.base64.decode_base64url`): input is read up to the first `=`
 * (padding optional, anything after it ignored), any other character outside the alphabet makes
 * the whole input invalid, and a length ≡ 1 (mod 4) is invalid. Node's Buffer decoder silently
 * skips bad characters, so it cannot be used alone where APISIX rejects them.
 */
const STD = /^[A-Za-z0-9+/]*$/;
const URL = /^[A-Za-z0-9_-]*$/;

function decode(s: string, alphabet: RegExp, encoding: 'base64' | 'base64url'): Buffer | undefined {
  const eq = s.indexOf('=');
  const body = eq < 0 ? s : s.slice(0, eq);
  if (!alphabet.test(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, encoding);
}

/** `ngx.decode_base64(s)`: the bytes, or undefined when nginx would return nil. */
export function decodeBase64(s: string): Buffer | undefined {
  return decode(s, STD, 'base64');
}

/** `ngx.base64.decode_base64url(s)`: the bytes, or undefined when invalid. */
export function decodeBase64Url(s: string): Buffer | undefined {
  return decode(s, URL, 'base64url');
}
