/** `override.endpoint` split the way socket.url does: an absent path stays absent. */
export interface ParsedEndpoint {
  scheme: 'http' | 'https';
  host: string;
  port: number | undefined;
  /** undefined when the endpoint has no path (then the provider default applies). */
  path: string | undefined;
  query: string;
}

const ENDPOINT_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/;

/**
 * Parse an endpoint once per config revision. APISIX semantics (openai-base.lua request):
 * `http://h:1` uses the provider's default path, `http://h:1/` uses "/", `http://h:1/x` uses "/x".
 * Returns undefined for strings that are not absolute http(s) URLs.
 */
export function parseEndpoint(endpoint: string): ParsedEndpoint | undefined {
  const m = ENDPOINT_RE.exec(endpoint);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  const authority = m[2]!.replace(/^.*@/, '');
  const hm = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (!hm || hm[1] === '') return undefined;
  const port = hm[2] ? Number(hm[2]) : undefined;
  return { scheme, host: hm[1]!, port, path: m[3] ? m[3] : undefined, query: m[4] ?? '' };
}
