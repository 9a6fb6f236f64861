/**
 * real-ip runtime (apisix/plugins/real-ip.lua, rewrite phase, priority 23000): take the client
 * address from `source` (a variable such as `http_x_real_ip` / `arg_realip`, or the last hop of
 * X-Forwarded-For for `http_x_forwarded_for`) when the peer is trusted, and make it the request's
 * $remote_addr (and $remote_port when it carries one) for every later phase: ip-restriction,
 * limit-* keys, chash, X-Real-IP / X-Forwarded-For to the upstream and the access log. The
 * route was matched with the connection's address and stays matched.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { RequestContext } from '@portico/plugin-sdk';
import { compileIpList, type IpList } from '@portico/schemas';
import { addrFromForwardedFor, realAddress } from './address.js';
import { realIpDefinition, type RealIpConf } from './schema.js';

interface RealIpState {
  trusted: IpList | undefined;
  source: string;
  /** `source` is http_x_forwarded_for (hop parsing) rather than a plain variable. */
  forwardedFor: boolean;
  recursive: boolean;
}

/**
 * X-Forwarded-For as real-ip.lua reads it: with several header lines, the last one. The data
 * plane folds repeated lines into one value joined by ", "; the raw lines tell them apart
 * unless a plugin replaced the header.
 */
function forwardedFor(ctx: RequestContext): string | undefined {
  const v = ctx.headers['x-forwarded-for'];
  if (Array.isArray(v)) return v[v.length - 1];
  if (v === undefined || ctx.headerLines === undefined) return v;
  const lines = ctx.headerLines('x-forwarded-for');
  return lines.length > 1 && lines.join(', ') === v ? lines[lines.length - 1] : v;
}

export const realIp = definePlugin<RealIpConf, RealIpState>(realIpDefinition, {
  prepare(conf) {
    let trusted: IpList | undefined;
    if (conf.trusted_addresses !== undefined) {
      const m = compileIpList(conf.trusted_addresses);
      // The conf check refused such a list already.
      if (typeof m === 'string') throw new Error(m);
      trusted = m;
    }
    return {
      trusted,
      source: conf.source,
      forwardedFor: conf.source === 'http_x_forwarded_for',
      recursive: conf.recursive === true,
    };
  },
  rewrite(ctx, s) {
    if (ctx.setRealIp === undefined) {
      ctx.logger.error('need to build APISIX-Runtime to support setting real ip');
      return { status: 501 };
    }
    if (s.trusted !== undefined && !s.trusted.match(ctx.remoteAddr)) return undefined;
    let addr: string | undefined;
    if (s.forwardedFor) {
      const xff = forwardedFor(ctx);
      addr = xff === undefined ? undefined : addrFromForwardedFor(xff, s.trusted, s.recursive);
    } else {
      addr = ctx.vars.get(s.source);
    }
    if (addr === undefined) {
      ctx.logger.warn('missing real address');
      return undefined;
    }
    const real = realAddress(addr);
    if ('warn' in real) {
      ctx.logger.warn(real.warn);
      return undefined;
    }
    ctx.setRealIp(real.ip, real.port);
    return undefined;
  },
});
