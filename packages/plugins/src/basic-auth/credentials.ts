/**
 * Parsing of `Authorization: Basic ...` as apisix/plugins/basic-auth.lua extract_auth_header
 * does it: an unanchored case-insensitive `basic` followed by one whitespace character, nginx
 * base64 decoding, a split on `:` keeping the first two fields, whitespace removed from both.
 */
import { decodeBase64 } from '../auth-util/base64.js';

/** PCRE `\s` (no UTF mode): space, \t, \n, \v, \f, \r — not JS's Unicode-wide `\s`. */
const SCHEME = /[Bb][Aa][Ss][Ii][Cc][ \t\n\v\f\r](.+)/;
const SPACES = /[ \t\n\v\f\r]+/g;

/** username decoded as UTF-8 (it is looked up among stored strings); password kept as bytes. */
export type Parsed = { ok: true; username: string; password: Buffer } | { ok: false; error: string };

export function parseBasic(header: string): Parsed {
  const m = SCHEME.exec(header);
  if (m === null) return { ok: false, error: 'Invalid authorization header format' };
  const encoded = m[1]!;
  const bytes = decodeBase64(encoded);
  if (bytes === undefined) return { ok: false, error: `Failed to decode authentication header: ${encoded}` };
  // Lua strings are bytes: keep every byte as one char so non-UTF-8 input compares as stored.
  const decoded = bytes.toString('latin1');
  const fields = decoded.split(':');
  if (fields.length < 2) return { ok: false, error: `Split authorization err: invalid decoded data: ${decoded}` };
  return {
    ok: true,
    username: Buffer.from(fields[0]!.replace(SPACES, ''), 'latin1').toString('utf8'),
    password: Buffer.from(fields[1]!.replace(SPACES, ''), 'latin1'),
  };
}
