/**
 * Address parsing of real-ip: where the client address comes from (a variable, or the last
 * X-Forwarded-For hop) and `ip[:port]` splitting as apisix/core/utils.lua parse_addr does.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { IpList } from '@portico/schemas';
import { luaToNumber } from '@portico/schemas';

/**
 * The address X-Forwarded-For names (real-ip.lua get_addr): its last entry (spaces after the
 * comma skipped); with `recursive` and trusted addresses, the right-most entry that is not
 * trusted, else the left-most. A single entry is returned exactly as sent.
 */
export function addrFromForwardedFor(value: string, trusted: IpList | undefined, recursive: boolean): string {
  const comma = value.lastIndexOf(',');
  if (comma < 0) return value;
  if (recursive && trusted !== undefined) {
    const parts = value.split(/,\s*/);
    for (let i = parts.length - 1; i >= 1; i--) if (!trusted.match(parts[i]!)) return parts[i]!;
    return parts[0]!;
  }
  let start = comma + 1;
  while (value.charCodeAt(start) === 32) start++;
  return value.slice(start);
}

/** `ip` and optional `port` of an address (core.utils.parse_addr): `[v6]:port`, `v4:port`, bare v6. */
export function parseAddr(addr: string): { host: string; port: number | undefined } {
  if (addr.startsWith('[')) {
    if (addr.endsWith(']')) return { host: addr, port: undefined };
    const pos = addr.lastIndexOf(':', addr.length - 2);
    if (pos < 1 || addr[pos - 1] !== ']') return { host: addr, port: undefined };
    return { host: addr.slice(0, pos), port: luaToNumber(addr.slice(pos + 1)) };
  }
  let colons = 0;
  for (let i = 0; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c === 46) break; // '.': IPv4 or a host name
    if (c === 58 && ++colons === 2) return { host: addr, port: undefined }; // IPv6 without port
  }
  const pos = addr.lastIndexOf(':', addr.length - 2);
  if (pos < 0) return { host: addr, port: undefined };
  return { host: addr.slice(0, pos), port: luaToNumber(addr.slice(pos + 1)) };
}

/** Outcome of {@link realAddress}: the address to set, or why none is set (APISIX's log text). */
export type RealAddress = { ip: string; port: number | undefined } | { warn: string };

/**
 * Validate `addr` as real-ip.lua does before set_real_ip: an IPv4 or IPv6 literal (brackets
 * allowed, then removed) and, when present, a port in 1..65535.
 */
export function realAddress(addr: string): RealAddress {
  const { host, port } = parseAddr(addr);
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (!isIPv4(bare) && !(isIPv6(bare) && !bare.includes('%'))) return { warn: `bad address: ${addr}` };
  if (port !== undefined && (port < 1 || port > 65535)) return { warn: `bad port: ${port}` };
  return { ip: bare, port: port === undefined ? undefined : Math.trunc(port) };
}
