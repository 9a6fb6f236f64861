import type { JsonObject } from '../types.js';
import { isObject } from './util.js';

/**
 * `override.request_body` merge (apisix/plugins/ai-proxy/merge.lua deep_merge): objects are
 * merged recursively on both sides whatever `force`; other patch values (scalars, arrays)
 * replace the target's only when it has no value there or `force` is set. Mutates `target`;
 * patch values are copied so the conf is never shared with a request body.
 */
export function deepMerge(target: JsonObject, patch: JsonObject, force: boolean): JsonObject {
  for (const [k, v] of Object.entries(patch)) {
    const cur = target[k];
    if (isObject(v) && isObject(cur)) {
      // The target's nested object may be shared with the client's parsed body: copy first.
      target[k] = deepMerge({ ...cur }, v, force);
    } else if (cur === undefined || force) {
      target[k] = structuredClone(v);
    }
  }
  return target;
}
