import type { PreparedInstance } from './instance.js';

/** Query strings of a passthrough attempt: what is sent (with auth.query) and what may be logged. */
export interface PassthroughQuery {
  /** Contains auth.query values: never log. */
  sent: string;
  logged: string;
}

/**
 * Passthrough query (APISIX 3.18 ai-providers/base.lua build_request): auth.query, then the
 * endpoint's query, then the client's query on top, except that the client can never
 * override a configured auth.query key.
 */
export function passthroughQuery(inst: PreparedInstance, clientQuery: string): PassthroughQuery {
  const authKeys = inst.auth.query;
  const merged = new URLSearchParams(inst.query);
  const logged = new URLSearchParams(inst.endpoint?.query ?? '');
  if (clientQuery) {
    const client = new URLSearchParams(clientQuery);
    for (const k of new Set(client.keys())) {
      if (Object.hasOwn(authKeys, k)) continue;
      const vs = client.getAll(k);
      merged.delete(k);
      logged.delete(k);
      for (const v of vs) {
        merged.append(k, v);
        logged.append(k, v);
      }
    }
  }
  return { sent: merged.toString(), logged: logged.toString() };
}
