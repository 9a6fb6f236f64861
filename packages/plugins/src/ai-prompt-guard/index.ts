/**
 * ai-prompt-guard runtime (apisix/plugins/ai-prompt-guard.lua, APISIX 3.18): in the access
 * phase, check the prompt text against allow patterns (one must match) and then deny patterns
 * (none may match). By default only the last message, and of it only `user` text, is checked;
 * requests that are not an AI protocol are handled by `fail_mode`.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import type { NgxRegex } from '../rewrite-util/pcre.js';
import { decodeJson, readBodyLimited, type JsonObject } from '../ai-prompt-shared/body.js';
import { detectProtocol, getMessages, type CanonicalMessage } from '../ai-prompt-shared/protocols.js';
import { compileGuardPattern, matches } from './patterns.js';
import { aiPromptGuardDefinition, type AiPromptGuardConf, type FailMode } from './schema.js';

const PLUGIN = 'ai-prompt-guard';

interface GuardState {
  maxSize: number;
  allRoles: boolean;
  allHistory: boolean;
  allow: readonly NgxRegex[];
  deny: readonly NgxRegex[];
  failMode: FailMode;
}

const bad = (message: string): Reply => ({ status: 400, body: { message } });

/** Longest reason logged, control characters blanked (binding.lua sanitize_reason). */
const MAX_REASON_LEN = 256;

/**
 * binding.lua on_unsupported: `error` rejects with `reply`; `warn` and `skip` let the request
 * through, logging why at warn / info level.
 */
function unsupported(ctx: RequestContext, mode: FailMode, reason: string, reply: Reply): Reply | undefined {
  if (mode === 'error') return reply;
  // eslint-disable-next-line no-control-regex
  const safe = reason.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, MAX_REASON_LEN);
  const msg = `${PLUGIN} skipped: ${safe}`;
  if (mode === 'warn') ctx.logger.warn({ plugin: PLUGIN }, msg);
  else ctx.logger.info({ plugin: PLUGIN }, msg);
  return undefined;
}

/** The messages whose text is checked (get_content_to_check, then the role filter). */
function selectMessages(s: GuardState, messages: CanonicalMessage[], responsesApi: boolean): CanonicalMessage[] {
  // Responses API: instructions and input are parallel fields, not a history.
  let picked = responsesApi || s.allHistory ? messages : messages.slice(-1);
  if (!s.allRoles) picked = picked.filter((m) => m.role === 'user');
  return picked;
}

export const aiPromptGuard = definePlugin<AiPromptGuardConf, GuardState>(aiPromptGuardDefinition, {
  prepare(conf) {
    // check() already compiled every pattern at admin time: a failure here is impossible.
    const compile = (p: string): NgxRegex => {
      const re = compileGuardPattern(p);
      if (re === undefined) throw new Error(`invalid pattern: ${p}`);
      return re;
    };
    return {
      maxSize: conf.max_req_body_size,
      allRoles: conf.match_all_roles,
      allHistory: conf.match_all_conversation_history,
      allow: conf.allow_patterns.map(compile),
      deny: conf.deny_patterns.map(compile),
      failMode: conf.fail_mode,
    };
  },
  async access(ctx, s) {
    const read = await readBodyLimited(ctx, s.maxSize);
    if (read.kind !== 'body') {
      ctx.logger.error({ plugin: PLUGIN }, 'Empty request body');
      return bad('Empty request body');
    }
    const decoded = decodeJson(read.raw);
    if (!decoded.ok) {
      return unsupported(ctx, s.failMode, `request body is not valid JSON: ${decoded.error}`, bad(decoded.error));
    }
    const protocol = detectProtocol(decoded.value, ctx.uri);
    if (protocol === undefined || protocol === 'passthrough') {
      return unsupported(
        ctx,
        s.failMode,
        'request body does not match any supported AI protocol',
        bad(`Request format not recognized by ${PLUGIN}`),
      );
    }
    const messages = getMessages(protocol, decoded.value as JsonObject);
    const picked = selectMessages(s, messages, protocol === 'openai-responses');
    // Nothing to check: the request goes on (APISIX ends it with an empty 200, see
    // docs/compatibility.md).
    if (picked.length === 0) return undefined;
    const text = picked.map((m) => m.content).join(' ');
    if (s.allow.length > 0 && !s.allow.some((re) => matches(text, re))) return bad("Request doesn't match allow patterns");
    if (s.deny.some((re) => matches(text, re))) return bad('Request contains prohibited content');
    return undefined;
  },
});
