import { definePlugin } from '@portico/plugin-helpers';
import type { Reply } from '@portico/plugin-sdk';
import { getRunState, setPickedInstance } from '../ai-shared/keys.js';
import { applyLogging } from '../ai-shared/logging.js';
import { untrackLlmActive } from '../prometheus/active.js';
import { failureReply, sendToInstance } from '../ai-shared/send.js';
import type { AttemptResult } from '../ai-shared/types.js';
import { isReply, validateAiRequest } from '../ai-shared/validate.js';
import { fallsBackOn } from './fallback.js';
import { pickInstance, triedSet } from './pick.js';
import { aiProxyMultiDefinition, type AiProxyMultiConf } from './schema.js';
import { destroyMulti, prepareMulti, type MultiState } from './state.js';
import { destroySemantic, pickSemantic, semanticPrepareConf, semanticRouter, withSemantic } from './semantic-hook.js';

/**
 * sendToInstance reports only 429/5xx as failures; a status listed in
 * `fallback_http_statuses` (e.g. 401) arrives as a buffered reply that has not reached the
 * client yet, so it is turned into a failure here. A streamed body is never converted.
 */
function asFailure(r: AttemptResult, statuses: readonly number[] | undefined): AttemptResult {
  if (!r.ok || !statuses?.includes(r.reply.status)) return r;
  const b = r.reply.body;
  if (b !== undefined && typeof b !== 'string' && !(b instanceof Uint8Array)) return r;
  const headers: Record<string, string> = {};
  const ct = r.reply.headers?.['content-type'];
  if (typeof ct === 'string') headers['content-type'] = ct;
  return { ok: false, status: r.reply.status, ...(b !== undefined ? { body: Buffer.from(b) } : {}), headers };
}

/** Longest upstream error body quoted in the fallback warning. */
const MAX_LOGGED_ERROR_BODY = 1024;

/**
 * ai-proxy-multi (apisix/plugins/ai-proxy-multi.lua, priority 1041): access validates the
 * request and picks an instance (weighted/hashed, by priority, skipping unhealthy and — with
 * a rate_limiting strategy — over-quota instances; 503 `all servers tried` when none is left);
 * beforeProxy sends to it through the shared AI transport and falls back to the next instance
 * on 429/5xx/connect errors/timeouts/`fallback_http_statuses` as configured, each instance at
 * most once and at most `max_retries` times, never after a byte reached the client. When the
 * fallback runs out of instances the client gets 502 with the last upstream error body.
 */
export const aiProxyMulti = definePlugin<AiProxyMultiConf, MultiState>(aiProxyMultiDefinition, {
  prepare: (conf, env) => withSemantic(prepareMulti(semanticPrepareConf(conf), env)),
  destroy: (state) => {
    destroySemantic(state);
    destroyMulti(state);
  },

  async access(ctx, state) {
    const v = await validateAiRequest(ctx);
    if (isReply(v)) return v;
    const semantic = semanticRouter(state);
    const picked = semantic ? await pickSemantic(ctx, semantic) : await pickInstance(ctx, state);
    if (typeof picked !== 'string') {
      ctx.logger.info('picked instance: nil');
      return { status: 503, body: picked.error };
    }
    setPickedInstance(ctx, picked, state.instances.get(picked)!.conf);
    return undefined;
  },

  async beforeProxy(ctx, state): Promise<Reply> {
    let req = getRunState(ctx)?.request;
    if (!req) {
      const v = await validateAiRequest(ctx);
      if (isReply(v)) return v;
      req = v;
    }
    const { conf } = state;
    let retries = 0;
    let name = ctx.shared.get('picked_ai_instance_name') as string;
    for (;;) {
      const inst = state.instances.get(name)!;
      // The body is rebuilt from the validated request on every attempt (sendToInstance).
      const r = asFailure(await sendToInstance(ctx, state.pool, inst.prepared, req), conf.fallback_http_statuses);
      if (r.ok) return r.reply;
      // The semantic balancer takes no part in fallback: the picked instance's failure is the answer.
      if (state.single || semanticRouter(state) || r.error?.code === 'AI_CLIENT_ABORTED') return failureReply(r);
      triedSet(ctx).add(name);
      if (!fallsBackOn(conf.fallback_strategy, conf.fallback_http_statuses, r.status)) return failureReply(r);
      if (conf.max_retries !== undefined && ++retries > conf.max_retries) {
        ctx.logger.warn(`reached max_retries ${conf.max_retries}, not retrying`);
        return failureReply(r);
      }
      const next = await pickInstance(ctx, state);
      if (typeof next !== 'string') {
        ctx.logger.error(`failed to pick new AI instance: ${next.error}`);
        return failureReply({ ...r, status: 502 });
      }
      const quoted = r.body ? r.body.subarray(0, MAX_LOGGED_ERROR_BODY).toString('utf8') : '';
      ctx.logger.warn(`ai instance ${name} returned status ${r.status}, falling back to ${next}. upstream error body: ${quoted}`);
      setPickedInstance(ctx, next, state.instances.get(next)!.conf);
      name = next;
    }
  },

  log(ctx, state) {
    untrackLlmActive(ctx);
    applyLogging(ctx, state.conf.logging);
  },
});

export { aiProxyMultiDefinition, aiProxyMultiSchema, checkAiProxyMultiConf, type AiProxyMultiConf } from './schema.js';
export { fallsBackOn, strategyHas, checksRateLimit } from './fallback.js';
