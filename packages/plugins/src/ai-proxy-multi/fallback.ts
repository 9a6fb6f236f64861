import type { FallbackStrategy } from './schema.js';

/**
 * `fallback_strategy_has` (ai-proxy-multi.lua): a string is compared with ==, an array is
 * searched, so "http_429" and ["http_429"] are equivalent. The string
 * "instance_health_and_rate_limiting" does not imply http_429/http_5xx.
 */
export function strategyHas(strategy: FallbackStrategy | undefined, name: string): boolean {
  if (strategy === undefined) return false;
  return typeof strategy === 'string' ? strategy === name : (strategy as string[]).includes(name);
}

/** Whether picking must skip instances over their ai-rate-limiting quota. */
export function checksRateLimit(strategy: FallbackStrategy | undefined): boolean {
  return strategy === 'instance_health_and_rate_limiting' || strategyHas(strategy, 'rate_limiting');
}

/**
 * Whether a failed attempt's status lets the request move to another instance
 * (retry_on_error): 429 with http_429, any 5xx (connect errors and timeouts are 502/504
 * here) with http_5xx, or a status listed in `fallback_http_statuses` (3.17+).
 */
export function fallsBackOn(
  strategy: FallbackStrategy | undefined,
  extraStatuses: readonly number[] | undefined,
  status: number,
): boolean {
  if (status === 429 && strategyHas(strategy, 'http_429')) return true;
  if (status >= 500 && status < 600 && strategyHas(strategy, 'http_5xx')) return true;
  return extraStatuses?.includes(status) ?? false;
}
