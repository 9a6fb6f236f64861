import { compileIpList, type IpList } from '@portico/schemas';

/**
 * IP / CIDR matching for route `remote_addrs` (APISIX uses lua-resty-ipmatcher). The one
 * implementation lives in @portico/schemas (shared with the `ipmatch` vars operator); this
 * adapter throws instead of returning the error, as the router treats the route as invalid.
 */
export type IpMatcher = IpList;

/** Strip the IPv4-mapped IPv6 prefix Node reports for dual-stack sockets. */
export function normalizeRemoteAddr(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** Build a matcher from IPs/CIDRs, parsed once per snapshot; throws on an invalid entry. */
export function compileIpMatcher(list: readonly string[]): IpMatcher {
  const compiled = compileIpList(list);
  if (typeof compiled === 'string') throw new Error(compiled);
  return compiled;
}
