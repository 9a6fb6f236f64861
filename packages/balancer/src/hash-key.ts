import { resolveVars } from './resolve-var.js';

/** APISIX `hash_on` values. */
export type HashOn = 'vars' | 'header' | 'cookie' | 'consumer' | 'vars_combinations';

/** What the chash key needs from a request: variable lookup and the consumer name. */
export interface HashKeySource {
  /** nginx variable lookup ($remote_addr, $http_x, $cookie_x, $arg_x, ...), without '$'. */
  var(name: string): string | undefined;
  consumerName: string | undefined;
}

/**
 * The chash key of a request, as apisix/balancer/chash.lua `fetch_chash_hash_key` derives
 * it; falls back to `remote_addr` when the configured source yields nothing (`usedFallback`
 * lets the caller log APISIX's `chash_key fetch is nil, use default chash_key remote_addr` warning).
 */
export function chashKey(hashOn: HashOn, key: string | undefined, src: HashKeySource): { key: string; usedFallback: boolean } {
  let v: string | undefined;
  switch (hashOn) {
    case 'consumer':
      v = src.consumerName;
      break;
    case 'vars':
      v = key === undefined ? undefined : src.var(key);
      break;
    case 'header':
      v = key === undefined ? undefined : src.var(`http_${key.toLowerCase().replaceAll('-', '_')}`);
      break;
    case 'cookie':
      v = key === undefined ? undefined : src.var(`cookie_${key}`);
      break;
    case 'vars_combinations': {
      if (key !== undefined) {
        const r = resolveVars(key, (n) => src.var(n));
        v = r.resolved === 0 ? undefined : r.value;
      }
      break;
    }
  }
  if (v === undefined || v === '') return { key: src.var('remote_addr') ?? '', usedFallback: true };
  return { key: v, usedFallback: false };
}
