import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { getRunState, setPickedInstance } from '../ai-shared/keys.js';
import { applyLogging } from '../ai-shared/logging.js';
import { untrackLlmActive } from '../prometheus/active.js';
import { failureReply, sendToInstance } from '../ai-shared/send.js';
import type { AiRequest, AttemptResult } from '../ai-shared/types.js';
import { isReply, validateAiRequest } from '../ai-shared/validate.js';
import { fallsBackOn } from './fallback.js';
import { triedSet } from './pick.js';
import { providerCooldownMs } from './retry-after.js';
import { getPlan, pickRouted, setPlan } from './routing.js';
import { awaitFirstToken, KeepAliveStream } from './stream-failover.js';
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

type Failure = Extract<AttemptResult, { ok: false }>;
/** How a request's attempts ended: the reply to send, or the failure nobody recovered from. */
type Outcome = { reply: Reply; failure?: undefined } | { failure: Failure; reply?: undefined };

const BUSY = 'ai_proxy_multi.busy';

/** Count `name` in flight for this request (least_* only), replacing the previous attempt's. */
function markBusy(ctx: RequestContext, state: MultiState, name: string | undefined): void {
  if (!state.ext.least) return;
  const prev = ctx.shared.get(BUSY) as string | undefined;
  if (prev !== undefined) state.ext.stats.end(prev);
  if (name !== undefined) state.ext.stats.begin(name);
  ctx.shared.set(BUSY, name);
}

/** Report a failure of `name` to the cooldown store (Portico `cooldown`). */
function reportCooldown(state: MultiState, name: string, r: Failure): void {
  const cd = state.ext.cooldowns;
  if (!cd || r.status === 499) return;
  const providerMs =
    cd.honorRetryAfter && (r.status === 429 || r.status === 503) ? providerCooldownMs(r.upstreamHeaders, Date.now()) : undefined;
  cd.store.report(cd.key + name, cd.rules, providerMs);
}

/**
 * The attempt loop (ai-proxy/base.lua before_proxy + ai-proxy-multi.lua retry_on_error):
 * send, and on a failure that allows it pick another instance, each at most once, bounded by
 * retry_on_failure_within_ms and max_retries. With stream_failover a streamed reply only wins
 * once its first token arrived; a stream failing before that always moves on.
 */
async function attempts(ctx: RequestContext, state: MultiState, base: AiRequest): Promise<Outcome> {
  const { conf, ext } = state;
  let retries = 0;
  let name = ctx.shared.get('picked_ai_instance_name') as string;
  for (;;) {
    const inst = state.instances.get(name)!;
    const plan = getPlan(ctx);
    const req = plan ? plan.steps[plan.index]!.request : base;
    const startMs = Date.now();
    markBusy(ctx, state, name);
    // The body is rebuilt from the validated request on every attempt (sendToInstance).
    let r = asFailure(await sendToInstance(ctx, state.pool, inst.prepared, req), conf.fallback_http_statuses);
    let streamFailure = false;
    if (r.ok && ext.streamFailover && req.clientStream) {
      const ft = await awaitFirstToken(ctx, r.reply, ext.firstTokenMs.get(name), startMs);
      if (ft.ok) r = { ok: true, reply: ft.reply };
      else {
        ctx.logger.warn(`ai instance ${name} stream failed before the first token: ${ft.reason}`);
        r = ft.failure;
        streamFailure = true;
      }
    }
    if (r.ok) return { reply: r.reply };
    const elapsed = Date.now() - startMs;
    if (ext.least && r.status !== 499) ext.stats.penalise(name, elapsed);
    markBusy(ctx, state, undefined);
    // The semantic balancer takes no part in fallback: the picked instance's failure is the answer.
    if (state.single || semanticRouter(state) || r.error?.code === 'AI_CLIENT_ABORTED') return { failure: r };
    triedSet(ctx).add(name);
    reportCooldown(state, name, r);
    const anyFailure = ext.streamFailover && req.clientStream;
    if (!streamFailure && !anyFailure && !fallsBackOn(conf.fallback_strategy, conf.fallback_http_statuses, r.status)) {
      return { failure: r };
    }
    if (conf.retry_on_failure_within_ms !== undefined && elapsed > conf.retry_on_failure_within_ms) {
      ctx.logger.warn(
        `ai instance failed after ${elapsed}ms, exceeding retry_on_failure_within_ms ${conf.retry_on_failure_within_ms}, not retrying`,
      );
      return { failure: r };
    }
    if (conf.max_retries !== undefined && ++retries > conf.max_retries) {
      ctx.logger.warn(`reached max_retries ${conf.max_retries}, not retrying`);
      return { failure: r };
    }
    const next = await pickRouted(ctx, state);
    if (typeof next !== 'string') {
      ctx.logger.error(`failed to pick new AI instance: ${next.error}`);
      return { failure: { ...r, status: 502 } };
    }
    const quoted = r.body ? r.body.subarray(0, MAX_LOGGED_ERROR_BODY).toString('utf8') : '';
    ctx.logger.warn(`ai instance ${name} returned status ${r.status}, falling back to ${next}. upstream error body: ${quoted}`);
    setPickedInstance(ctx, next, state.instances.get(next)!.conf);
    name = next;
  }
}

const toReply = (o: Outcome): Reply => o.reply ?? failureReply(o.failure);

/**
 * ai-proxy-multi (apisix/plugins/ai-proxy-multi.lua, priority 1041): access validates the
 * request and picks an instance (weighted/hashed, by priority, skipping unhealthy and — with
 * a rate_limiting strategy — over-quota instances; 503 `all servers tried` when none is left);
 * beforeProxy sends to it through the shared AI transport and falls back to the next instance
 * on 429/5xx/connect errors/timeouts/`fallback_http_statuses` as configured, each instance at
 * most once, at most `max_retries` times and only after failures faster than
 * `retry_on_failure_within_ms`, never after a byte reached the client. When the fallback runs
 * out of instances the client gets 502 with the last upstream error body.
 * Portico extensions (docs/extensions.md): model routing, stream failover with first-token
 * timeouts and keep-alive comments, cooldowns, least_busy / least_latency.
 */
export const aiProxyMulti = definePlugin<AiProxyMultiConf, MultiState>(aiProxyMultiDefinition, {
  prepare: (conf, env) => withSemantic(prepareMulti(semanticPrepareConf(conf), env)),
  destroy: (state) => {
    destroySemantic(state);
    destroyMulti(state);
  },

  async access(ctx, state) {
    const v = await validateAiRequest(ctx, state.conf.max_req_body_size);
    if (isReply(v)) return v;
    const semantic = semanticRouter(state);
    const router = semantic ? undefined : state.ext.router;
    if (router) {
      const plan = router.plan(v);
      if (plan !== undefined && 'status' in plan) return plan;
      if (plan !== undefined) setPlan(ctx, plan);
    }
    const picked = semantic ? await pickSemantic(ctx, semantic) : await pickRouted(ctx, state);
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
      const v = await validateAiRequest(ctx, state.conf.max_req_body_size);
      if (isReply(v)) return v;
      req = v;
    }
    const outcome = attempts(ctx, state, req);
    const keepalive = state.ext.keepaliveMs;
    if (keepalive === undefined || !req.clientStream) return toReply(await outcome);
    // Keep a slow first token's client connection alive: after one interval without an
    // answer, commit a 200 SSE head and send comments until an instance produced a token.
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      outcome,
      new Promise<'wait'>((resolve) => (timer = setTimeout(() => resolve('wait'), keepalive))),
    ]);
    clearTimeout(timer);
    if (waited !== 'wait') return toReply(waited);
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      body: new KeepAliveStream(outcome, keepalive),
    };
  },

  log(ctx, state) {
    untrackLlmActive(ctx);
    const busy = ctx.shared.get(BUSY) as string | undefined;
    if (busy !== undefined) {
      const ttft = getRunState(ctx)?.ttftMs;
      if (ttft !== undefined) state.ext.stats.sample(busy, ttft);
      markBusy(ctx, state, undefined);
    }
    applyLogging(ctx, state.conf.logging);
  },
});

export { aiProxyMultiDefinition, aiProxyMultiSchema, checkAiProxyMultiConf, type AiProxyMultiConf } from './schema.js';
export { fallsBackOn, strategyHas, checksRateLimit } from './fallback.js';
