import { chashKey } from '@portico/balancer';
import type { Picker } from '@portico/balancer';
import type { RequestContext } from '@portico/plugin-sdk';
import { checkInstanceStatus } from '../ai-rate-limiting/index.js';
import type { MultiState } from './state.js';

const TRIED = 'ai_proxy_multi.tried';
const HASH_KEY = 'ai_proxy_multi.hash_key';

/** Instances already tried (or skipped for quota) by this request. */
export function triedSet(ctx: RequestContext): Set<string> {
  let t = ctx.shared.get(TRIED) as Set<string> | undefined;
  if (!t) ctx.shared.set(TRIED, (t = new Set()));
  return t;
}

function hashKey(ctx: RequestContext, state: MultiState): string | undefined {
  if (state.algorithm !== 'chash') return undefined;
  let k = ctx.shared.get(HASH_KEY) as string | undefined;
  if (k === undefined) {
    const b = state.conf.balancer;
    const r = chashKey(b.hash_on ?? 'vars', b.key, { var: (n) => ctx.vars.get(n), consumerName: ctx.consumer?.username });
    if (r.usedFallback) ctx.logger.warn(`chash_key fetch is nil, use default chash_key remote_addr: ${r.key}`);
    k = r.key;
    ctx.shared.set(HASH_KEY, k);
  }
  return k;
}

/**
 * One pick from the balancer. Under a hosting cluster primary the round-robin position is the
 * pod's (one `next` IPC round trip for the priority group that serves this pick, mapped onto
 * its weighted sequence; tried instances are skipped locally), so a pod with N workers splits
 * traffic as one APISIX worker would. APISIX keeps one picker per nginx worker; Portico keeps
 * one sequence per pod. Without an answer from the primary the worker's own picker serves
 * this pick: fairness is not worth an error.
 */
async function nextFromBalancer(
  ctx: RequestContext,
  state: MultiState,
  picker: Picker,
  skip: ReadonlySet<string>,
  key: string | undefined,
) {
  const { sequences, sequenced } = state;
  if (sequences !== undefined && sequenced !== undefined) {
    const group = sequenced.groupFor(skip);
    if (group < 0) return undefined;
    try {
      const n = await sequences.next(`${state.sequenceKey}${sequenced.groups[group]!.priority}`);
      return sequenced.pickAt(group, skip, n);
    } catch (err) {
      ctx.logger.debug(`pod round-robin position unavailable, using this worker's: ${(err as Error).message}`);
    }
  }
  return picker.pick(skip, key);
}

/**
 * Pick the next instance (ai-proxy-multi.lua pick_target): skip tried and unhealthy ones (and
 * `exclude`, from the Portico extensions), and with a rate_limiting strategy dry-check
 * ai-rate-limiting, marking exhausted instances tried. Returns the name, or `{error}` with the
 * picker's exhaustion string.
 */
export async function pickInstance(
  ctx: RequestContext,
  state: MultiState,
  exclude?: ReadonlySet<string>,
): Promise<string | { error: string }> {
  const first = state.instances.keys().next().value as string;
  const least = state.ext.least;
  if (state.single || (!state.picker && !least)) return first;
  const tried = triedSet(ctx);
  const key = hashKey(ctx, state);
  for (;;) {
    let skip: ReadonlySet<string> = tried;
    if (state.unhealthy.size > 0 || exclude !== undefined) skip = new Set([...tried, ...state.unhealthy, ...(exclude ?? [])]);
    const name = least ? least.pick(skip) : await nextFromBalancer(ctx, state, state.picker!, skip, key);
    if (name === undefined) return { error: least ? least.exhaustedError : state.picker!.exhaustedError };
    if (!state.checkRateLimit || (await checkInstanceStatus(ctx, name))) return name;
    ctx.logger.info(`ai instance: ${name} is not available, try to pick another one`);
    tried.add(name);
  }
}
