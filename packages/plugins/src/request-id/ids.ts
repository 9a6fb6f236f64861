/** Request id generators of APISIX's request-id plugin (3.18). */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestIdConf } from './schema.js';

/** The standard nanoid alphabet, in APISIX's order: 64 symbols, so 6 random bits pick one. */
const NANOID_ALPHABET = '-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NANOID_SIZE = 21;

/** 21 symbols from 21 CSPRNG bytes (low 6 bits each: no modulo bias). */
export function nanoid(): string {
  const b = randomBytes(NANOID_SIZE);
  let s = '';
  for (let i = 0; i < NANOID_SIZE; i++) s += NANOID_ALPHABET[b[i]! & 63];
  return s;
}

/** `length` characters drawn uniformly from `charSet` (APISIX uses math.random: not a secret). */
export function rangeId(length: number, charSet: string): string {
  let s = '';
  for (let i = 0; i < length; i++) s += charSet[Math.floor(Math.random() * charSet.length)];
  return s;
}

/** RFC 9562 UUID version 7: 48-bit Unix ms timestamp, version, variant, 74 random bits. */
export function uuidv7(now = Date.now()): string {
  const b = randomBytes(16);
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** KSUID epoch: 2014-05-13T16:53:20Z. */
const KSUID_EPOCH = 1_400_000_000;

/** Segment KSUID: 32-bit seconds since the KSUID epoch + 128 random bits, base62 in 27 characters. */
export function ksuid(nowMs = Date.now()): string {
  const b = Buffer.alloc(20);
  b.writeUInt32BE((Math.floor(nowMs / 1000) - KSUID_EPOCH) >>> 0, 0);
  randomBytes(16).copy(b, 4);
  let n = BigInt(`0x${b.toString('hex')}`);
  let s = '';
  while (n > 0n) {
    s = BASE62[Number(n % 62n)] + s;
    n /= 62n;
  }
  return s.padStart(27, '0');
}

/** The generator a conf selects (resolved once per config revision). */
export function generatorFor(conf: RequestIdConf): () => string {
  switch (conf.algorithm) {
    case 'nanoid':
      return nanoid;
    case 'range_id': {
      const { length, char_set } = conf.range_id;
      return () => rangeId(length, char_set);
    }
    case 'ksuid':
      return () => ksuid();
    case 'uuidv7':
      return () => uuidv7();
    default:
      return randomUUID;
  }
}
