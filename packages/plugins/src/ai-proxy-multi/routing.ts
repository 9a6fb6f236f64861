import type { RequestContext } from '@portico/plugin-sdk';
import type { ModelStep } from './model-routing.js';
import { pickInstance, triedSet } from './pick.js';
import type { MultiState } from './state.js';

const PLAN = 'ai_proxy_multi.plan';

/** A request's model plan and the step it is on. */
export interface PlanCursor {
  steps: ModelStep[];
  index: number;
}

export function setPlan(ctx: RequestContext, steps: ModelStep[]): void {
  ctx.shared.set(PLAN, { steps, index: 0 } satisfies PlanCursor);
}

export function getPlan(ctx: RequestContext): PlanCursor | undefined {
  return ctx.shared.get(PLAN) as PlanCursor | undefined;
}

/** Instances cooling down that this request has not tried yet. */
function cooling(state: MultiState, tried: ReadonlySet<string>): Set<string> | undefined {
  const cd = state.ext.cooldowns;
  if (!cd) return undefined;
  let out: Set<string> | undefined;
  for (const name of state.instances.keys()) {
    if (!tried.has(name) && cd.store.cooling(cd.key + name)) (out ??= new Set()).add(name);
  }
  return out;
}

/**
 * Pick skipping cooled-down instances; when only cooling ones are left, they are used anyway
 * (as APISIX uses all nodes when all are unhealthy: a try beats a certain failure).
 */
async function pickCooled(ctx: RequestContext, state: MultiState, exclude: ReadonlySet<string> | undefined) {
  const cold = cooling(state, triedSet(ctx));
  if (cold !== undefined) {
    const r = await pickInstance(ctx, state, exclude ? new Set([...exclude, ...cold]) : cold);
    if (typeof r === 'string') return r;
    ctx.logger.info('every remaining ai instance is cooling down, trying them anyway');
  }
  return pickInstance(ctx, state, exclude);
}

/**
 * The next instance for this request: without a model plan, the balancer's pick (skipping
 * cooldowns); with one, the instances serving the current model, then those of the next
 * model in the plan once they are all tried. Cooling instances are skipped across the whole
 * plan first (a later model's healthy instance beats an earlier model's cooling one); only
 * when every untried instance of every step is cooling are they used anyway, earliest step first.
 */
export async function pickRouted(ctx: RequestContext, state: MultiState): Promise<string | { error: string }> {
  const plan = getPlan(ctx);
  if (!plan) return pickCooled(ctx, state, undefined);
  const cold = cooling(state, triedSet(ctx));
  if (cold !== undefined) {
    for (let i = plan.index; i < plan.steps.length; i++) {
      const others = plan.steps[i]!.others;
      const r = await pickInstance(ctx, state, others ? new Set([...others, ...cold]) : cold);
      if (typeof r === 'string') {
        plan.index = i;
        return r;
      }
    }
    ctx.logger.info('every remaining ai instance is cooling down, trying them anyway');
  }
  let last: { error: string } = { error: 'all servers tried' };
  // Steps skipped above for cooling instances are revisited: their untried instances are all that is left.
  for (let i = cold !== undefined ? 0 : plan.index; i < plan.steps.length; i++) {
    const r = await pickInstance(ctx, state, plan.steps[i]!.others);
    if (typeof r === 'string') {
      plan.index = i;
      return r;
    }
    last = r;
  }
  plan.index = plan.steps.length - 1;
  return last;
}
