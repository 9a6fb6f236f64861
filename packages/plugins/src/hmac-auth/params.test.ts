import { describe, expect, it } from 'vitest';
import { parseSignatureHeader } from './params.js';

describe('parseSignatureHeader (retrieve_hmac_fields)', () => {
  it('reads keyId, algorithm, headers and signature in any order, tolerating spaces', () => {
    expect(
      parseSignatureHeader('Signature algorithm="hmac-sha256",keyId="ak", headers="@request-target date" ,signature="c2ln"'),
    ).toEqual({
      ok: true,
      params: { algorithm: 'hmac-sha256', keyId: 'ak', headers: ['@request-target', 'date'], signature: 'c2ln' },
    });
  });

  it('reports a missing header and a non-Signature scheme', () => {
    expect(parseSignatureHeader(undefined)).toEqual({ ok: false, error: 'missing Authorization header' });
    expect(parseSignatureHeader('Basic abc')).toEqual({
      ok: false,
      error: "Authorization header does not start with 'Signature'",
    });
  });

  it('ignores unknown and malformed fields; a repeated field wins', () => {
    expect(parseSignatureHeader('Signature keyId="a",foo="x",bad,keyId="b"')).toEqual({ ok: true, params: { keyId: 'b' } });
  });
});
