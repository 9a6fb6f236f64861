/** Test-only JWS signer (node:crypto) for every jwt-auth algorithm. */
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from './schema.js';

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export interface KeyPair {
  publicPem: string;
  privateKey: KeyObject;
}

/** A fresh key pair for an asymmetric algorithm. */
export function keyPair(alg: JwtAlgorithm, eddsaCurve: 'ed25519' | 'ed448' = 'ed25519'): KeyPair {
  const pair =
    alg === 'EdDSA'
      ? eddsaCurve === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ed448')
      : alg.startsWith('ES')
        ? generateKeyPairSync('ec', { namedCurve: CURVE[alg]! })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey: pair.privateKey };
}

/** A compact JWS; `header` overrides the default `{typ, alg}`. */
export function signJwt(
  alg: JwtAlgorithm,
  key: Buffer | string | KeyObject,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { typ: 'JWT', alg },
): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const hash = HASH[alg.slice(2)];
  let sig: Buffer;
  if (alg.startsWith('HS'))
    sig = createHmac(hash!, key as Buffer | string)
      .update(input)
      .digest();
  else if (alg === 'EdDSA') sig = sign(null, Buffer.from(input), key as KeyObject);
  else if (alg.startsWith('ES')) sig = sign(hash!, Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else if (alg.startsWith('PS')) {
    sig = sign(hash!, Buffer.from(input), {
      key: key as KeyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  } else sig = sign(hash!, Buffer.from(input), key as KeyObject);
  return `${input}.${b64u(sig)}`;
}
