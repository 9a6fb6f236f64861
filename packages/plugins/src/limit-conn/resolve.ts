import { resolveVars } from '@portico/balancer';

/**
 * A `conn` / `burst` value: integers pass through, strings are `${var ?? default}` templates
 * that must yield an integer > 0 (conn) or ≥ 0 (burst), with limit-conn/init.lua
 * resolve_var's error strings.
 */
export function resolveConnNumber(
  value: number | string,
  allowZero: boolean,
  get: (n: string) => string | undefined,
): number | string {
  if (typeof value === 'number') return value;
  const text = resolveVars(value, get).value;
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) return `resolved value is not a number: ${text}`;
  if (allowZero) {
    if (n < 0) return `resolved value must be a non-negative number, got: ${n}`;
  } else if (n <= 0) return `resolved value must be a positive number, got: ${n}`;
  if (!Number.isInteger(n)) return `resolved value must be an integer, got: ${n}`;
  if (n > Number.MAX_SAFE_INTEGER) return `resolved value exceeds safe integer range (2^53-1), got: ${n}`;
  return n;
}

/** resty.limit.conn: connections above `conn` wait one unit delay per `conn` ahead of them. */
export function connDelay(count: number, conn: number, unitDelay: number): number {
  return count > conn ? unitDelay * Math.floor((count - 1) / conn) : 0;
}
