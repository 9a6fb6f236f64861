/** Response headers as undici reports them. */
export type RawHeaders = Record<string, string | string[] | undefined>;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `Retry-After`: delta-seconds or an HTTP date; milliseconds from `now`, undefined when absent or invalid. */
export function parseRetryAfter(v: string | undefined, now: number): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const at = Date.parse(t);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/gy;

/**
 * An `x-ratelimit-reset-*` value in milliseconds: OpenAI's Go-style durations (`6m0s`, `20ms`,
 * `1.5s`) or a bare number of seconds. undefined when unreadable.
 */
export function parseResetDuration(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = DURATION_PART.exec(t); m !== null; m = DURATION_PART.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = DURATION_PART.lastIndex;
  }
  return end === t.length && end > 0 ? Math.round(total) : undefined;
}

/**
 * How long the provider asked us to stay away, in ms: `Retry-After` first; else the reset of
 * the exhausted `x-ratelimit-*` budget (requests or tokens, the one whose remaining is 0),
 * or the later of both resets when neither remaining count is given.
 */
export function providerCooldownMs(headers: RawHeaders | undefined, now: number): number | undefined {
  if (!headers) return undefined;
  const ra = parseRetryAfter(first(headers['retry-after']), now);
  if (ra !== undefined) return ra;
  const candidates: number[] = [];
  let anyRemaining = false;
  for (const kind of ['requests', 'tokens']) {
    const reset = parseResetDuration(first(headers[`x-ratelimit-reset-${kind}`]));
    const remaining = first(headers[`x-ratelimit-remaining-${kind}`]);
    if (remaining !== undefined) anyRemaining = true;
    if (reset === undefined) continue;
    if (remaining === undefined || Number(remaining) <= 0) candidates.push(reset);
  }
  if (candidates.length === 0 && anyRemaining) {
    // Both budgets report remaining > 0: take the later reset all the same.
    for (const kind of ['requests', 'tokens']) {
      const reset = parseResetDuration(first(headers[`x-ratelimit-reset-${kind}`]));
      if (reset !== undefined) candidates.push(reset);
    }
  }
  return candidates.length > 0 ? Math.max(...candidates) : undefined;
}
