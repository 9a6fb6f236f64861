/**
 * `$secret://<manager>/<conf id>/<key>` and `$env://<NAME>[/<json key>]` references
 * (apisix/secret.lua parse_secret_uri, apisix/core/env.lua parse_env_uri). Pure.
 */
import { isSecretRef } from '@portico/schemas';

export const SECRET_PREFIX = '$secret://';
export const ENV_PREFIX = '$env://';

export interface SecretRef {
  kind: 'secret';
  manager: string;
  confId: string;
  key: string;
}

export interface EnvRef {
  kind: 'env';
  name: string;
  /** JSON field of the variable's value; '' for the whole value. */
  subKey: string;
}

export type Ref = SecretRef | EnvRef;

/** Parse a reference, or return APISIX's error text for a malformed one. */
export function parseRef(uri: string): Ref | { error: string } {
  if (uri.slice(0, ENV_PREFIX.length).toUpperCase() === ENV_PREFIX.toUpperCase()) {
    const path = uri.slice(ENV_PREFIX.length);
    const slash = path.indexOf('/');
    return slash < 0
      ? { kind: 'env', name: path, subKey: '' }
      : { kind: 'env', name: path.slice(0, slash), subKey: path.slice(slash + 1) };
  }
  if (!uri.startsWith(SECRET_PREFIX)) return { error: `error secret_uri prefix: ${uri}` };
  const path = uri.slice(SECRET_PREFIX.length);
  const i1 = path.indexOf('/');
  if (i1 < 0) return { error: 'error format: no secret manager' };
  const i2 = path.indexOf('/', i1 + 1);
  if (i2 < 0) return { error: 'error format: no secret conf id' };
  const key = path.slice(i2 + 1);
  if (key === '') return { error: 'error format: no secret key id' };
  return { kind: 'secret', manager: path.slice(0, i1), confId: path.slice(i1 + 1, i2), key };
}

/** Whether any string inside `value` (objects and arrays, any depth) is a reference. */
export function hasSecretRef(value: unknown): boolean {
  if (typeof value === 'string') return isSecretRef(value);
  if (typeof value !== 'object' || value === null) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (hasSecretRef(v)) return true;
  return false;
}

/** Every distinct reference string inside `value`. */
export function collectRefs(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    if (isSecretRef(value)) out.add(value);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) collectRefs(v, out);
  }
  return out;
}

/**
 * A deep copy of `value` with each reference replaced by `lookup(ref)`; a reference whose
 * lookup is undefined is kept as written (APISIX keeps unresolved references verbatim).
 */
export function substituteRefs<T>(value: T, lookup: (ref: string) => string | undefined): T {
  if (typeof value === 'string') return (isSecretRef(value) ? (lookup(value) ?? value) : value) as T;
  if (Array.isArray(value)) return value.map((v) => substituteRefs(v, lookup)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteRefs(v, lookup);
    return out as T;
  }
  return value;
}
