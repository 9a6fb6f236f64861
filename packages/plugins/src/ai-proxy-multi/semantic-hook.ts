import type { RequestContext } from '@portico/plugin-sdk';
import { isSemantic } from './semantic-schema.js';
import { SemanticRouter } from './semantic.js';
import type { AiProxyMultiConf } from './schema.js';
import type { MultiState } from './state.js';

/** The semantic router of each prepared ai-proxy-multi state whose balancer is `semantic`. */
const routers = new WeakMap<MultiState, SemanticRouter>();

/**
 * The conf prepareMulti gets: with the semantic balancer, instances lose `checks` — the balancer
 * never consults health (APISIX builds checkers only in its server picker, which semantic
 * routing bypasses), so no probes are sent.
 */
export function semanticPrepareConf(conf: AiProxyMultiConf): AiProxyMultiConf {
  if (!isSemantic(conf) || !conf.instances.some((i) => i.checks)) return conf;
  return { ...conf, instances: conf.instances.map(({ checks: _checks, ...rest }) => rest) };
}

/** After prepareMulti: add the semantic router when `balancer.algorithm` is `semantic`. */
export function withSemantic(state: MultiState): MultiState {
  const { conf } = state;
  if (isSemantic(conf) && conf.semantic_opts) {
    routers.set(state, new SemanticRouter(conf.semantic_opts, conf.instances));
  }
  return state;
}

export function semanticRouter(state: MultiState): SemanticRouter | undefined {
  return routers.get(state);
}

/** Pick by prompt similarity; the debugging headers go to the client response. */
export async function pickSemantic(ctx: RequestContext, router: SemanticRouter): Promise<string> {
  const p = await router.pick(ctx);
  Object.assign(ctx.respHeaders, p.headers);
  return p.name;
}

export function destroySemantic(state: MultiState): void {
  routers.get(state)?.close();
  routers.delete(state);
}
