import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { periodWindow, secondsLeft } from './periods.js';
import { costMicros, formatMoney, PriceTable, type BilledUsage } from './prices.js';
import { AI_BUDGET, aiBudgetDefinition, type AiBudgetConf, type AiBudgetMetadata } from './schema.js';
import { prepareBudget, type AiBudgetState } from './state.js';

/** ctx.shared flag: this plugin refused the request, so nothing is charged for it. */
const REJECTED = 'ai_budget_rejected';
/** Counters outlive their window by this much, so pods with skewed clocks still agree. */
const GRACE_SEC = 3600;

const NO_METADATA = new PriceTable(undefined);
const tables = new WeakMap<object, PriceTable>();
/** Models already reported as unpriced, per price table (one warning each, not one per request). */
const unpricedSeen = new WeakMap<PriceTable, Set<string>>();

/** The price list of the current metadata revision (compiled once per revision). */
function priceTable(ctx: RequestContext): PriceTable {
  const meta = ctx.pluginMetadata?.(AI_BUDGET);
  if (!meta) return NO_METADATA;
  let t = tables.get(meta);
  if (!t) {
    t = new PriceTable(meta as unknown as AiBudgetMetadata);
    tables.set(meta, t);
  }
  return t;
}

/** Whose spend this request counts against; requests without a consumer count against the route. */
function scopeKey(conf: AiBudgetConf, ctx: RequestContext): string {
  const route = `route:${ctx.routeKey ?? ctx.routeId ?? ''}`;
  const consumer = ctx.consumer?.username;
  if (conf.scope === 'route' || consumer === undefined) return route;
  if (conf.scope === 'consumer') return `consumer:${consumer}`;
  return `consumer:${consumer}|${route}`;
}

const counterKey = (state: AiBudgetState, scope: string, period: string, windowId: string): string =>
  `${state.keyPrefix}${scope}:${period}:${windowId}`;

function rejection(
  state: AiBudgetState,
  ctx: RequestContext,
  period: string,
  limit: number,
  spent: number,
  reset: number,
): Reply {
  const { conf } = state;
  if (conf.rejected_msg) return { status: conf.rejected_code, body: { error_msg: conf.rejected_msg } };
  return {
    status: conf.rejected_code,
    body: {
      error_msg: `${period === 'day' ? 'daily' : 'monthly'} AI budget exhausted`,
      budget: {
        period,
        limit: Number(formatMoney(limit)),
        spent: Number(formatMoney(spent)),
        currency: priceTable(ctx).currency,
        reset,
      },
    },
  };
}

/** Prompt tokens served from a provider cache, from the llm variable or the raw usage. */
function cachedPromptTokens(ctx: RequestContext): number {
  const v = ctx.vars.get('llm_cache_read_input_tokens');
  if (v !== undefined && v !== '') return Number(v) || 0;
  const raw = ctx.shared.get('llm_raw_usage') as Record<string, unknown> | undefined;
  const details = raw?.['prompt_tokens_details'] as Record<string, unknown> | undefined;
  const cached = details?.['cached_tokens'] ?? raw?.['cache_read_input_tokens'];
  return typeof cached === 'number' ? cached : 0;
}

function usageOf(ctx: RequestContext): BilledUsage | undefined {
  const u = ctx.shared.get('ai_token_usage') as Partial<Record<string, number>> | undefined;
  if (!u || (typeof u['prompt_tokens'] !== 'number' && typeof u['completion_tokens'] !== 'number')) return undefined;
  return {
    promptTokens: u['prompt_tokens'] ?? 0,
    completionTokens: u['completion_tokens'] ?? 0,
    cachedPromptTokens: cachedPromptTokens(ctx),
  };
}

function warnUnpriced(ctx: RequestContext, table: PriceTable, model: string | undefined): void {
  let seen = unpricedSeen.get(table);
  if (!seen) unpricedSeen.set(table, (seen = new Set()));
  const name = model ?? '';
  if (seen.has(name)) return;
  seen.add(name);
  ctx.logger.warn(`ai-budget: no price for model '${name}' in plugin_metadata; its calls are not charged`);
}

/** ai-budget (Portico extension, priority 1031): money budgets per consumer/route for LLM calls. */
export const aiBudget = definePlugin<AiBudgetConf, AiBudgetState>(aiBudgetDefinition, {
  prepare: (conf) => prepareBudget(conf),
  destroy: (state) => state.store.release(),

  async access(ctx, state) {
    const { conf } = state;
    const scope = scopeKey(conf, ctx);
    const now = Date.now();
    for (const b of state.budgets) {
      const w = periodWindow(b.period, now);
      const reset = secondsLeft(w, now);
      let spent: number;
      try {
        spent = (await state.store.incoming(counterKey(state, scope, b.period, w.id), reset + GRACE_SEC, 0)).consumed;
      } catch (err) {
        ctx.logger.error(`failed to read ai budget: ${err instanceof Error ? err.message : String(err)}`);
        if (conf.allow_degradation) continue;
        return { status: 500, body: { error_msg: 'failed to read ai budget' } };
      }
      if (conf.show_budget_header) {
        ctx.respHeaders[b.headers.limit] = formatMoney(b.limitMicros);
        ctx.respHeaders[b.headers.remaining] = formatMoney(Math.max(0, b.limitMicros - spent));
        ctx.respHeaders[b.headers.reset] = String(reset);
      }
      if (spent >= b.limitMicros) {
        ctx.shared.set(REJECTED, true);
        return rejection(state, ctx, b.period, b.limitMicros, spent, reset);
      }
    }
    return undefined;
  },

  async log(ctx, state) {
    if (ctx.shared.get(REJECTED) === true) return;
    if (typeof ctx.shared.get('picked_ai_instance_name') !== 'string') return;
    const usage = usageOf(ctx);
    if (!usage) return;
    const table = priceTable(ctx);
    const model = ctx.vars.get('llm_model') ?? ctx.vars.get('request_llm_model');
    const price = table.priceOf(model);
    if (!price) {
      warnUnpriced(ctx, table, model);
      return;
    }
    const cost = costMicros(price, usage);
    ctx.vars.set('llm_cost', formatMoney(cost));
    if (cost === 0) return;
    const scope = scopeKey(state.conf, ctx);
    const now = Date.now();
    for (const b of state.budgets) {
      const w = periodWindow(b.period, now);
      try {
        await state.store.incoming(counterKey(state, scope, b.period, w.id), secondsLeft(w, now) + GRACE_SEC, cost);
      } catch (err) {
        ctx.logger.error(`failed to charge ai budget: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  },
});

export { AI_BUDGET, aiBudgetDefinition, type AiBudgetConf, type AiBudgetMetadata } from './schema.js';
export type { AiBudgetState } from './state.js';
