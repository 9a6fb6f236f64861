/**
 * Signature and registered-claim checks of apisix/plugins/jwt-auth/parser.lua, with node:crypto.
 * Key material is derived once per consumer conf object (one per config revision), never per
 * request.
 */
import { constants, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decodeBase64, decodeBase64Url } from '../auth-util/base64.js';
import { sameBytes } from '../auth-util/reply.js';
import type { JwtAlgorithm } from './schema.js';

const HASH: Readonly<Record<string, string>> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
};

/** Raw (r‖s) ECDSA signature sizes APISIX asserts before verifying. */
const ES_SIG_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };
/** APISIX asserts 256-byte PSS signatures (2048-bit RSA keys only). */
const PS_SIG_BYTES = 256;

/** What one consumer's jwt-auth conf verifies with. */
export interface ConsumerKey {
  algorithm: JwtAlgorithm;
  /** HS*: the secret bytes; undefined when `base64_secret` is set and the secret is not base64. */
  secret?: Buffer;
  /** Other algorithms: the parsed public key; undefined when the PEM does not parse. */
  publicKey?: KeyObject;
  lifetimeGracePeriod: number;
}

const keys = new WeakMap<object, ConsumerKey>();

/** The verification key of a consumer conf, derived on first use and kept with the conf object. */
export function consumerKey(conf: Readonly<Record<string, unknown>>): ConsumerKey {
  let k = keys.get(conf);
  if (k !== undefined) return k;
  const algorithm = (typeof conf.algorithm === 'string' ? conf.algorithm : 'HS256') as JwtAlgorithm;
  const lifetimeGracePeriod = typeof conf.lifetime_grace_period === 'number' ? conf.lifetime_grace_period : 0;
  k = { algorithm, lifetimeGracePeriod };
  if (algorithm.startsWith('HS')) {
    const secret = typeof conf.secret === 'string' ? conf.secret : undefined;
    if (secret !== undefined) k.secret = conf.base64_secret === true ? decodeBase64(secret) : Buffer.from(secret, 'utf8');
  } else if (typeof conf.public_key === 'string') {
    try {
      k.publicKey = createPublicKey(conf.public_key);
    } catch {
      // an unparsable key verifies nothing (APISIX: "Consumer Public Key is Invalid")
    }
  }
  keys.set(conf, k);
  return k;
}

/** Whether `signature` (base64url) signs `input` under the consumer's key and algorithm. */
export function verifySignature(key: ConsumerKey, input: string, signature: string): boolean {
  const sig = decodeBase64Url(signature);
  if (sig === undefined) return false;
  const alg = key.algorithm;
  const data = Buffer.from(input, 'latin1');
  try {
    if (alg.startsWith('HS')) {
      if (key.secret === undefined) return false;
      return sameBytes(createHmac(HASH[alg]!, key.secret).update(data).digest(), sig);
    }
    const pub = key.publicKey;
    if (pub === undefined) return false;
    if (alg === 'EdDSA') return verify(null, data, pub, sig);
    if (alg.startsWith('ES')) {
      if (sig.length !== ES_SIG_BYTES[alg]) return false;
      return verify(HASH[alg]!, data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig);
    }
    if (alg.startsWith('PS')) {
      if (sig.length !== PS_SIG_BYTES) return false;
      return verify(
        HASH[alg]!,
        data,
        { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
        sig,
      );
    }
    return verify(HASH[alg]!, data, pub, sig);
  } catch {
    return false;
  }
}

const DEFAULT_CLAIMS = ['nbf', 'exp'] as const;

function httpTime(sec: number): string {
  const d = new Date(sec * 1000);
  return Number.isNaN(d.getTime()) ? String(sec) : d.toUTCString();
}

function checkClaim(name: 'exp' | 'nbf', value: unknown, leeway: number, now: number): string | undefined {
  if (typeof value !== 'number') return `claim ${name} is not a number`;
  if (name === 'nbf') return value < now + leeway ? undefined : `'nbf' claim not valid until ${httpTime(value)}`;
  return value > now - leeway ? undefined : `'exp' claim expired at ${httpTime(value)}`;
}

/**
 * parser.lua verify_claims: without `claims_to_verify` (or with an empty list) `nbf` then `exp`
 * are checked when present; listed claims must be present. Returns the error, or undefined.
 */
export function verifyClaims(
  payload: Record<string, unknown>,
  claims: readonly ('exp' | 'nbf')[] | undefined,
  leeway: number,
  now = Math.floor(Date.now() / 1000),
): string | undefined {
  if (claims === undefined || claims.length === 0) {
    for (const name of DEFAULT_CLAIMS) {
      const v = payload[name];
      if (v === undefined) continue;
      const err = checkClaim(name, v, leeway, now);
      if (err !== undefined) return err;
    }
    return undefined;
  }
  for (const name of claims) {
    const v = payload[name];
    if (v === undefined) return `claim ${name} is missing`;
    const err = checkClaim(name, v, leeway, now);
    if (err !== undefined) return err;
  }
  return undefined;
}
