import type { RouteSpec } from './router.js';

/**
 * APISIX `ctx.curr_req_matched._path`: which of the route's `uris` this request matched. One
 * pattern needs no search; with several, an exact pattern equal to the path wins, then the
 * longest prefix pattern (`/x/*`) the path starts with.
 */
export function matchedUriOf(spec: RouteSpec<string>, uri: string): string {
  const uris = spec.uris;
  if (uris.length === 1) return uris[0]!;
  let best = '';
  for (const p of uris) {
    if (p === uri) return p;
    if (p.endsWith('*') && uri.startsWith(p.slice(0, -1)) && p.length > best.length) best = p;
  }
  return best !== '' ? best : (uris[0] ?? '');
}

/** APISIX `ctx.curr_req_matched._host`: the route host pattern matched ("" for a route without hosts). */
export function matchedHostOf(spec: RouteSpec<string>, host: string): string {
  const hosts = spec.hosts;
  if (hosts === undefined || hosts.length === 0) return '';
  if (hosts.length === 1) return hosts[0]!;
  for (const h of hosts) if (h === host) return h;
  for (const h of hosts) if (h.startsWith('*') && host.endsWith(h.slice(1))) return h;
  return hosts[0]!;
}
