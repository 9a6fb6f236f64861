/** `deployment.admin.allow_admin` CIDR matching (rendered by APISIX as nginx allow/deny). */
import { BlockList, isIP } from 'node:net';

/** Build a matcher once from the CIDR list; undefined list = allow all. */
export function buildAllowList(cidrs: readonly string[] | undefined): ((addr: string) => boolean) | undefined {
  if (!cidrs) return undefined;
  const list = new BlockList();
  for (const c of cidrs) {
    const [ip, bits] = c.split('/');
    const fam = ip ? isIP(ip) : 0;
    if (!fam) continue;
    const type = fam === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, Number(bits), type);
  }
  return (addr: string) => {
    // IPv4-mapped IPv6 from dual-stack sockets
    const a = addr.startsWith('::ffff:') && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr;
    const fam = isIP(a);
    if (!fam) return false;
    return list.check(a, fam === 4 ? 'ipv4' : 'ipv6');
  };
}

/** nginx's plain error page. */
export function nginxErrorPage(status: 403 | 404): string {
  const title = status === 403 ? '403 Forbidden' : '404 Not Found';
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n`;
}
