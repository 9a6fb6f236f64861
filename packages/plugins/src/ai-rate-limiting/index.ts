import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { prepareState, type AiRateLimitingState } from './prepare.js';
import { resolveSpec, runQuota, type QuotaSpec, type ResolvedQuota } from './quota.js';
import { AI_RATE_LIMITING, aiRateLimitingDefinition, type AiRateLimitingConf } from './schema.js';
import { resolveVars } from '@portico/balancer';

export { AI_RATE_LIMITING } from './schema.js';
/** ctx.shared flag set when this plugin rejected the request (APISIX ctx.ai_rate_limiting). */
const REJECTED = 'ai_rate_limiting';

type TokenUsage = Partial<Record<'prompt_tokens' | 'completion_tokens' | 'total_tokens', number>>;

/** The quotas this request is subject to, variables resolved; a string is the error. */
function quotasFor(state: AiRateLimitingState, ctx: RequestContext, instance: string): ResolvedQuota[] | string {
  const get = (n: string) => ctx.vars.get(n);
  let specs: QuotaSpec[];
  if (state.rules) {
    specs = [];
    for (const rule of state.rules) {
      // A rule whose key references no set variable does not apply (limit-count get_rules).
      const k = resolveVars(rule.key, get);
      if (k.resolved === 0) continue;
      specs.push({ ...rule, key: `rule:${k.value}` });
    }
    if (specs.length === 0) return 'no applicable rules';
  } else {
    const q = state.instanceQuota(instance);
    specs = q ? [q] : [];
  }
  const out: ResolvedQuota[] = [];
  for (const s of specs) {
    const r = resolveSpec(s, get);
    if (typeof r === 'string') return r;
    out.push(r);
  }
  return out;
}

/**
 * Dry-run (cost 1) or commit (cost = tokens) every quota in order, stopping at the first
 * rejection (apisix/plugins/limit-count/init.lua `rate_limit`). Returns the reply that ends
 * the request, if any.
 */
async function rateLimit(
  state: AiRateLimitingState,
  ctx: RequestContext,
  instance: string,
  cost: number,
  dryRun: boolean,
  setHeaders: boolean,
): Promise<Reply | undefined> {
  const { conf } = state;
  const quotas = quotasFor(state, ctx, instance);
  if (typeof quotas === 'string') {
    ctx.logger.error(`failed to get rate limit rules: ${quotas}`);
    return conf.allow_degradation ? undefined : { status: 500 };
  }
  for (const q of quotas) {
    const res = await runQuota(state.store, state.keyPrefix + q.key, q, cost, dryRun);
    if (res.kind === 'error') {
      ctx.logger.error(`failed to limit count: ${res.error}`);
      if (conf.allow_degradation) continue;
      return { status: 500, body: { error_msg: 'failed to limit count' } };
    }
    const show = conf.show_limit_quota_header && setHeaders;
    if (res.kind === 'rejected') {
      if (show) {
        ctx.respHeaders[q.headers.limit] = String(res.limit);
        ctx.respHeaders[q.headers.remaining] = '0';
        ctx.respHeaders[q.headers.reset] = String(res.reset);
      }
      return conf.rejected_msg
        ? { status: conf.rejected_code, body: { error_msg: conf.rejected_msg } }
        : { status: conf.rejected_code };
    }
    if (show) {
      ctx.respHeaders[q.headers.limit] = String(res.limit);
      ctx.respHeaders[q.headers.remaining] = String(res.remaining);
      ctx.respHeaders[q.headers.reset] = String(res.reset);
    }
  }
  return undefined;
}

/**
 * Whether `instanceName` still has quota for one more request under the ai-rate-limiting
 * conf attached to this request (dry run, cost 1, no headers). Used by ai-proxy-multi's
 * rate-limit-aware picking (APISIX `check_instance_status`). True when the plugin is not
 * attached, in rules mode, or the instance has no limit.
 */
export async function checkInstanceStatus(ctx: RequestContext, instanceName: string): Promise<boolean> {
  const attached = ctx.plugins.get(AI_RATE_LIMITING);
  if (!attached) return true;
  const state = attached.state as AiRateLimitingState;
  if (state.rules || !state.instanceQuota(instanceName)) return true;
  const reply = await rateLimit(state, ctx, instanceName, 1, true, false);
  if (reply) {
    ctx.logger.info(`rate limit for instance: ${instanceName} code: ${reply.status}`);
    return false;
  }
  return true;
}

/** ai-rate-limiting (priority 1030): token quotas per LLM instance, checked before and charged after the call. */
export const aiRateLimiting = definePlugin<AiRateLimitingConf, AiRateLimitingState>(aiRateLimitingDefinition, {
  prepare: (conf, env) => prepareState(conf, env.resourceKey),
  destroy: (state) => state.store.release(),

  async access(ctx, state) {
    const instance = ctx.shared.get('picked_ai_instance_name');
    if (typeof instance !== 'string') return undefined;
    const reply = await rateLimit(state, ctx, instance, 1, true, true);
    ctx.shared.set(REJECTED, reply !== undefined);
    return reply;
  },

  async log(ctx, state) {
    const instance = ctx.shared.get('picked_ai_instance_name');
    if (typeof instance !== 'string' || ctx.shared.get(REJECTED) === true) return;
    const usage = ctx.shared.get('ai_token_usage') as TokenUsage | undefined;
    const used = usage?.[state.conf.limit_strategy];
    if (typeof used !== 'number') {
      ctx.logger.error('failed to get token usage for llm service');
      return;
    }
    if (used === 0) return;
    try {
      await rateLimit(state, ctx, instance, used, false, false);
    } catch (err) {
      ctx.logger.error(`failed to sync limit count in log phase: ${String(err)}`);
    }
  },
});

export { aiRateLimitingDefinition, aiRateLimitingSchema, type AiRateLimitingConf } from './schema.js';
export type { AiRateLimitingState } from './prepare.js';
export { LocalCounterStore } from './store/local.js';
export { RedisCounterStore, REDIS_KEY_PREFIX } from './store/redis.js';
export type { CounterStore, CounterState } from './store/types.js';
