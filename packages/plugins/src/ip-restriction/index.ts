/**
 * ip-restriction runtime (apisix/plugins/ip-restriction/init.lua `restrict`, access phase):
 * refuse clients whose $remote_addr (as real-ip may have set it) is on the blacklist or off
 * the whitelist with `response_code` and `{"message": <message>}`.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { Reply } from '@portico/plugin-sdk';
import { compileIpList, type IpList } from '@portico/schemas';
import { ipRestrictionDefinition, type IpRestrictionConf } from './schema.js';

interface IpRestrictionState {
  /** Matcher of the configured list (whitelist or blacklist; the schema allows exactly one). */
  matcher: IpList;
  /** true: block on match (blacklist); false: block on no match (whitelist). */
  blockOnMatch: boolean;
  reply: Reply;
}

function compile(list: readonly string[]): IpList {
  const m = compileIpList(list);
  // The admin and the data plane's conf check refused such a list already.
  if (typeof m === 'string') throw new Error(m);
  return m;
}

export const ipRestriction = definePlugin<IpRestrictionConf, IpRestrictionState>(ipRestrictionDefinition, {
  prepare(conf) {
    const blockOnMatch = conf.whitelist === undefined;
    return {
      matcher: compile(blockOnMatch ? (conf.blacklist ?? []) : conf.whitelist!),
      blockOnMatch,
      reply: { status: conf.response_code, body: { message: conf.message } },
    };
  },
  access(ctx, s) {
    const matched = s.matcher.match(ctx.remoteAddr);
    return matched === s.blockOnMatch ? s.reply : undefined;
  },
});
