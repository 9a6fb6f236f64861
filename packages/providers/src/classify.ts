import type { Capability, JsonObject } from './types.js';

/**
 * Classify a (merged) request body. Portico rule: a body with `input` and no `messages`
 * is an embeddings request; everything else is chat. APISIX 3.16 has no such split for
 * the path (only vertex-ai looks at `input`); 3.17 detects chat by `messages` first, then
 * embeddings by `input` — the same order as here.
 */
export function classifyRequest(body: JsonObject): Capability {
  return body.input !== undefined && body.messages === undefined ? 'embeddings' : 'chat';
}
