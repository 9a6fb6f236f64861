/**
 * ua-restriction runtime (apisix/plugins/ua-restriction.lua, access phase): the User-Agent,
 * stripped of surrounding whitespace, must match one allowlist pattern, or must match no
 * denylist pattern; otherwise 403 `{"message": <message>}`. A request without User-Agent is
 * refused the same way unless `bypass_missing`.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { compilePcre } from './pcre.js';
import { uaRestrictionDefinition, type UaRestrictionConf } from './schema.js';

interface UaRestrictionState {
  patterns: readonly RegExp[];
  /** true: allowlist (pass when one matches); false: denylist (pass when none matches). */
  allow: boolean;
  bypassMissing: boolean;
  reply: Reply;
}

function compileAll(list: readonly string[]): RegExp[] {
  return list.map((p) => {
    const r = compilePcre(p);
    // The conf check refused such a pattern already.
    if (typeof r === 'string') throw new Error(r);
    return r;
  });
}

function anyMatches(patterns: readonly RegExp[], ua: string): boolean {
  const s = ua.trim();
  for (const re of patterns) if (re.test(s)) return true;
  return false;
}

/** Whether one User-Agent value passes (ua-restriction.lua check_with_allow_list / check_with_deny_list). */
function passes(s: UaRestrictionState, ua: string): boolean {
  return anyMatches(s.patterns, ua) === s.allow;
}

/**
 * The User-Agent value(s) as APISIX's core.request.headers gives them: every header line when
 * the client sent several (and no plugin replaced the header), else the current value.
 */
function userAgents(ctx: RequestContext): string | readonly string[] | undefined {
  const ua = ctx.headers['user-agent'];
  if (typeof ua !== 'string' || ctx.headerLines === undefined) return ua;
  const lines = ctx.headerLines('user-agent');
  return lines.length > 1 && lines[0] === ua ? lines : ua;
}

export const uaRestriction = definePlugin<UaRestrictionConf, UaRestrictionState>(uaRestrictionDefinition, {
  prepare(conf) {
    const allow = conf.allowlist !== undefined;
    return {
      patterns: compileAll(allow ? conf.allowlist! : (conf.denylist ?? [])),
      allow,
      bypassMissing: conf.bypass_missing === true,
      reply: { status: 403, body: { message: conf.message } },
    };
  },
  access(ctx, s) {
    const ua = userAgents(ctx);
    if (ua === undefined) return s.bypassMissing ? undefined : s.reply;
    if (typeof ua === 'string') return passes(s, ua) ? undefined : s.reply;
    // Several values: an allowlist passes when one value is allowed, a denylist refuses when one is denied.
    const ok = s.allow ? ua.some((v) => passes(s, v)) : ua.every((v) => passes(s, v));
    return ok ? undefined : s.reply;
  },
});
