/**
 * nginx's URI escaping as APISIX uses it (apisix/core/utils.lua): `uri_safe_encode` is
 * `ngx_escape_uri(NGX_ESCAPE_URI)` and `escape_uri_control_chars` encodes control bytes only.
 */

/** Bytes NGX_ESCAPE_URI encodes: controls, space, `#`, `%`, `?`, DEL and every byte >= 0x80. */
function escapedByUri(b: number): boolean {
  return b <= 0x20 || b === 0x23 || b === 0x25 || b === 0x3f || b >= 0x7f;
}

const HEX = '0123456789ABCDEF';

/** Characters (as UTF-16) whose UTF-8 bytes NGX_ESCAPE_URI would encode: the fast-path test. */
const NEEDS_URI_ESCAPE = /[\x00-\x20#%?\x7f-\uffff]/;

function escapeBytes(s: string, test: (b: number) => boolean): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += test(b) ? '%' + HEX[b >> 4]! + HEX[b & 15]! : String.fromCharCode(b);
  }
  return out;
}

/** core.utils.uri_safe_encode. */
export function uriSafeEncode(uri: string): string {
  return NEEDS_URI_ESCAPE.test(uri) ? escapeBytes(uri, escapedByUri) : uri;
}

const CONTROL = /[\x00-\x1f\x7f]/g;

/** core.utils.escape_uri_control_chars: 0x00-0x1F and 0x7F only, every other character kept. */
export function escapeControlChars(s: string): string {
  return s.replace(CONTROL, (c) => '%' + HEX[c.charCodeAt(0) >> 4]! + HEX[c.charCodeAt(0) & 15]!);
}
