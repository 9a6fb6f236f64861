import { isIP } from 'node:net';
import { compileIpList } from '@portico/schemas';

/** A compiled allow list: true when the client address is inside one of the CIDRs. */
export type AllowCheck = (ip: string) => boolean;

/** Parse one `allow_admin` entry (a CIDR or a bare address, as nginx `allow` accepts). */
export function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [addr = '', bits, extra] = entry.trim().split('/');
  if (extra !== undefined) return undefined;
  const v = isIP(addr);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!/^\d+$/.test(bits ?? String(max)) || prefix > max) return undefined;
  return { address: addr, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * Compile `deployment.admin.allow_admin` once (APISIX renders it as nginx `allow <cidr>;
 * deny all;` in apisix/cli/ngx_tpl.lua), with the one IP/CIDR matcher of @portico/schemas.
 * `undefined` allows everyone; invalid entries throw.
 */
export function compileAllowList(cidrs: readonly string[] | undefined): AllowCheck {
  if (cidrs === undefined) return () => true;
  const entries = cidrs.map((c) => {
    if (!parseCidr(c)) throw new Error(`invalid CIDR in allow_admin: ${JSON.stringify(c)}`);
    return c.trim();
  });
  const list = compileIpList(entries);
  if (typeof list === 'string') throw new Error(`invalid CIDR in allow_admin: ${list}`);
  return (ip: string) => list.match(ip);
}

/** One-off check of a client address against `allow_admin` (compile once on hot paths). */
export function isAllowed(ip: string, cidrs: readonly string[] | undefined): boolean {
  return compileAllowList(cidrs)(ip);
}
