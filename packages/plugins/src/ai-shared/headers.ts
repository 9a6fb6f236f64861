import { HOP_BY_HOP_HEADERS } from '@portico/plugin-helpers';

/**
 * Headers never copied from the client: hop-by-hop ones (RFC 9110 §7.6.1), host and
 * content-length (openai-base.lua construct_forward_headers drops those two), and
 * accept-encoding, so the provider answers uncompressed and usage can be read (APISIX
 * forwards it and then silently loses usage on gzip answers).
 */
const DROPPED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  'host',
  'content-length',
  'proxy-authorization',
  'accept-encoding',
]);

/**
 * Client headers minus the dropped ones, then configured `auth.header` (already lower-cased,
 * so it replaces the client's value), content-type JSON, and a GCP bearer token last.
 */
export function buildUpstreamHeaders(
  client: Readonly<Record<string, string | string[] | undefined>>,
  authHeaders: Readonly<Record<string, string>>,
  bearer: string | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k in client) {
    const v = client[k];
    if (v === undefined || DROPPED.has(k)) continue;
    out[k] = v;
  }
  Object.assign(out, authHeaders);
  out['content-type'] = 'application/json';
  if (bearer !== undefined) out.authorization = `Bearer ${bearer}`;
  return out;
}
