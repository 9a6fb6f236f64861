/** `$env://NAME[/json_key]` (apisix/core/env.lua fetch_by_uri). */
import type { EnvRef } from './refs.js';

export type EnvLookup = (name: string) => string | undefined;

/** The value, the JSON field of it, or an error text when the value is not JSON. */
export function resolveEnv(
  ref: EnvRef,
  env: EnvLookup = (n) => process.env[n],
): { value: string | undefined } | { error: string } {
  const main = env(ref.name);
  if (main === undefined || ref.subKey === '') return { value: main };
  let parsed: unknown;
  try {
    parsed = JSON.parse(main);
  } catch {
    // Never echo the value (or the parser's message, which quotes it): it may be a secret.
    return { error: `decode failed, err: the value of ${ref.name} is not JSON` };
  }
  const v = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[ref.subKey] : undefined;
  return { value: v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v) };
}
