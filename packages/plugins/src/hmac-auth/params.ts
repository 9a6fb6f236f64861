/**
 * The `Authorization: Signature keyId="...",algorithm="...",headers="...",signature="..."`
 * header as apisix/plugins/hmac-auth.lua retrieve_hmac_fields reads it: the text after
 * `Signature` and one more character is split on `,`; in each piece the first
 * `<alnum>+="<anything up to the next quote>"` is taken; unknown names are ignored and a later
 * repeat wins.
 */
export interface SignatureParams {
  keyId?: string;
  algorithm?: string;
  signature?: string;
  /** The `headers` list, split on single spaces. */
  headers?: string[];
}

/** Lua `%s*(%w+)="(.-)"` (C-locale classes). */
const FIELD = /[ \t\n\v\f\r]*([A-Za-z0-9]+)="([\s\S]*?)"/;

export type ParamsResult = { ok: true; params: SignatureParams } | { ok: false; error: string };

export function parseSignatureHeader(auth: string | undefined): ParamsResult {
  if (auth === undefined) return { ok: false, error: 'missing Authorization header' };
  if (!auth.startsWith('Signature')) return { ok: false, error: "Authorization header does not start with 'Signature'" };
  const params: SignatureParams = {};
  for (const piece of auth.slice(10).split(',')) {
    if (piece === '') continue;
    const m = FIELD.exec(piece);
    if (m === null) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'keyId' || key === 'algorithm' || key === 'signature') params[key] = value;
    else if (key === 'headers') params.headers = value === '' ? [] : value.split(' ');
  }
  return { ok: true, params };
}
