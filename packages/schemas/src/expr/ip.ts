import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP / CIDR list for the `ipmatch` operator (api7/lua-resty-ipmatcher `ipmatcher.new`):
 * parsed once at compile time; IPv4 matching does no allocation.
 */
export interface IpList {
  match(ip: string): boolean;
}

interface V6Range {
  readonly words: Uint32Array;
  readonly bits: number;
}

/** Dotted IPv4 (already validated) to an unsigned 32-bit integer. */
function v4ToInt(ip: string): number {
  let value = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      value = value * 256 + part;
      part = 0;
    } else {
      part = part * 10 + (c - 48);
    }
  }
  return value * 256 + part;
}

/** IPv6 (already validated, optional IPv4 tail) to four 32-bit words. */
function v6ToWords(ip: string): Uint32Array {
  let head = ip;
  let tail = -1;
  const lastColon = ip.lastIndexOf(':');
  if (ip.indexOf('.', lastColon) > 0) {
    tail = v4ToInt(ip.slice(lastColon + 1));
    head = `${ip.slice(0, lastColon + 1)}0:0`;
  }
  const gap = head.indexOf('::');
  const left = gap < 0 ? head : head.slice(0, gap);
  const right = gap < 0 ? '' : head.slice(gap + 2);
  const l = left === '' ? [] : left.split(':');
  const r = right === '' ? [] : right.split(':');
  const groups = [...l, ...new Array<string>(8 - l.length - r.length).fill('0'), ...r].map((g) => parseInt(g, 16));
  if (tail >= 0) {
    groups[6] = Math.floor(tail / 65536);
    groups[7] = tail % 65536;
  }
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return words;
}

/** ipmatcher strips `[...]` around an IPv6 literal; zone ids are not addresses (inet_pton). */
function unbracket(ip: string): string {
  return ip.length > 1 && ip.charCodeAt(0) === 91 && ip.charCodeAt(ip.length - 1) === 93 ? ip.slice(1, -1) : ip;
}

function parseMask(text: string | undefined, max: number): number {
  if (text === undefined) return max;
  if (!/^\d+$/.test(text)) return -1;
  const bits = Number(text);
  return bits <= max ? bits : -1;
}

/**
 * Validate and compile the entries; returns the first bad entry's lua-resty-ipmatcher message
 * (`invalid ip address: <addr>`, the part before `/`) instead of a list.
 */
export function compileIpList(entries: readonly unknown[]): IpList | string {
  const v4Nets: number[] = [];
  const v4Masks: number[] = [];
  const v6: V6Range[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') return `invalid ip address: ${String(entry)}`;
    const slash = entry.indexOf('/');
    const addr = unbracket(slash < 0 ? entry : entry.slice(0, slash));
    const maskText = slash < 0 ? undefined : entry.slice(slash + 1);
    if (isIPv4(addr)) {
      const bits = parseMask(maskText, 32);
      if (bits < 0) return `invalid ip address: ${addr}`;
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      v4Nets.push((v4ToInt(addr) & mask) >>> 0);
      v4Masks.push(mask);
    } else if (isIPv6(addr) && !addr.includes('%')) {
      const bits = parseMask(maskText, 128);
      if (bits < 0) return `invalid ip address: ${addr}`;
      v6.push({ words: v6ToWords(addr), bits });
    } else {
      return `invalid ip address: ${addr}`;
    }
  }
  return {
    match(raw: string): boolean {
      // Node reports IPv4 clients of dual-stack sockets as ::ffff:a.b.c.d; nginx never does.
      const ip = raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice(7) : unbracket(raw);
      if (isIPv4(ip)) {
        const n = v4ToInt(ip);
        for (let i = 0; i < v4Nets.length; i++) if ((n & v4Masks[i]!) >>> 0 === v4Nets[i]) return true;
        return false;
      }
      if (v6.length === 0 || !isIPv6(ip) || ip.includes('%')) return false;
      const words = v6ToWords(ip);
      for (const r of v6) if (inV6Range(words, r)) return true;
      return false;
    },
  };
}

function inV6Range(words: Uint32Array, r: V6Range): boolean {
  let bits = r.bits;
  for (let i = 0; i < 4 && bits > 0; i++) {
    const take = bits >= 32 ? 32 : bits;
    const mask = take === 32 ? 0xffffffff : (0xffffffff << (32 - take)) >>> 0;
    if ((words[i]! & mask) >>> 0 !== (r.words[i]! & mask) >>> 0) return false;
    bits -= take;
  }
  return true;
}
