import { createSign } from 'node:crypto';

function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/** Claims of a Google service-account assertion (RFC 7523 JWT bearer grant). */
export interface ServiceAccountClaims {
  iss: string;
  scope: string;
  aud: string;
  iat: number;
  exp: number;
}

/** Sign `claims` as a compact RS256 JWT with a PEM private key (node:crypto, no dependency). */
export function signRs256Jwt(claims: ServiceAccountClaims, privateKeyPem: string, keyId?: string): string {
  const header: Record<string, string> = { alg: 'RS256', typ: 'JWT' };
  if (keyId) header.kid = keyId;
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKeyPem);
  return `${input}.${b64url(signature)}`;
}
