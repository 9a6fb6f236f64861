import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP / CIDR matching for route `remote_addrs` and the `ipmatch` vars operator
 * (APISIX uses lua-resty-ipmatcher). Parsed once per snapshot; matching does no allocation
 * for IPv4 and one small array for IPv6.
 */
export interface IpMatcher {
  match(ip: string): boolean;
}

interface V4Range {
  net: number;
  mask: number;
}
interface V6Range {
  words: Uint32Array;
  bits: number;
}

/** Parse a dotted IPv4 address into an unsigned 32-bit integer; -1 when invalid. */
export function parseIPv4(ip: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

/** Parse an IPv6 address (with optional embedded IPv4 tail) into four 32-bit words. */
export function parseIPv6(ip: string): Uint32Array | undefined {
  if (!isIPv6(ip)) return undefined;
  let head = ip;
  const tail: number[] = [];
  const lastColon = ip.lastIndexOf(':');
  const v4 = ip.slice(lastColon + 1);
  if (v4.includes('.')) {
    const n = parseIPv4(v4);
    if (n < 0) return undefined;
    head = ip.slice(0, lastColon + 1) + '0:0';
    tail.push(n >>> 16, n & 0xffff);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left ? left.split(':').filter((s) => s !== '') : [];
  const r = right ? right.split(':').filter((s) => s !== '') : [];
  const groups = [...l, ...new Array<string>(8 - l.length - r.length).fill('0'), ...r].map((g) => parseInt(g, 16));
  if (tail.length) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return words;
}

/** Strip the IPv4-mapped IPv6 prefix Node reports for dual-stack sockets. */
export function normalizeRemoteAddr(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** Build a matcher from IPs/CIDRs; throws on an invalid entry (callers treat the item as invalid). */
export function compileIpMatcher(list: readonly string[]): IpMatcher {
  const v4: V4Range[] = [];
  const v6: V6Range[] = [];
  for (const entry of list) {
    const slash = entry.indexOf('/');
    const addr = slash < 0 ? entry : entry.slice(0, slash);
    const bitsText = slash < 0 ? undefined : entry.slice(slash + 1);
    if (isIPv4(addr)) {
      const bits = bitsText === undefined ? 32 : Number(bitsText);
      if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`invalid ip address: ${entry}`);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      v4.push({ net: (parseIPv4(addr) & mask) >>> 0, mask });
    } else {
      const words = parseIPv6(addr);
      const bits = bitsText === undefined ? 128 : Number(bitsText);
      if (!words || !Number.isInteger(bits) || bits < 0 || bits > 128) throw new Error(`invalid ip address: ${entry}`);
      v6.push({ words, bits });
    }
  }
  return {
    match(raw: string): boolean {
      const ip = normalizeRemoteAddr(raw);
      const n = parseIPv4(ip);
      if (n >= 0) {
        for (const r of v4) if (((n & r.mask) >>> 0) === r.net) return true;
        return false;
      }
      if (v6.length === 0) return false;
      const words = parseIPv6(ip);
      if (!words) return false;
      for (const r of v6) if (v6InRange(words, r)) return true;
      return false;
    },
  };
}

function v6InRange(words: Uint32Array, r: V6Range): boolean {
  let bits = r.bits;
  for (let i = 0; i < 4 && bits > 0; i++) {
    const take = bits >= 32 ? 32 : bits;
    const mask = take === 32 ? 0xffffffff : (0xffffffff << (32 - take)) >>> 0;
    if (((words[i]! & mask) >>> 0) !== ((r.words[i]! & mask) >>> 0)) return false;
    bits -= take;
  }
  return true;
}
