/**
 * JWS compact parsing as api7/lua-resty-jwt `load_jwt` does it: the token is split on `.`
 * keeping only non-empty segments, exactly three are required (four or five would be a JWE,
 * which jwt-auth cannot decrypt: invalid), header and payload are base64url (nginx rules) JSON.
 */
import { decodeBase64Url } from '../auth-util/base64.js';

export interface ParsedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `<raw header>.<raw payload>`: the signed bytes. */
  signingInput: string;
  /** The raw (base64url) signature segment. */
  signature: string;
}

export type JwtParse = { ok: true; jwt: ParsedJwt } | { ok: false; reason: string };

function decodeJson(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64Url(segment);
  if (bytes === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    // A JSON array is a Lua table too; scalars and null would crash APISIX (500): refused here.
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function parseJwt(token: string): JwtParse {
  const parts = token.split('.').filter((p) => p !== '');
  if (parts.length !== 3) return { ok: false, reason: 'invalid jwt string' };
  const [h, p, sig] = parts as [string, string, string];
  const header = decodeJson(h);
  if (header === undefined) return { ok: false, reason: 'invalid header' };
  const payload = decodeJson(p);
  if (payload === undefined) return { ok: false, reason: 'invalid payload' };
  return { ok: true, jwt: { header, payload, signingInput: `${h}.${p}`, signature: sig } };
}
