import type { Reply } from '@portico/plugin-sdk';
import type { RequestCtx } from '../context.js';
import type { PreparedPlugin } from '../chain/chain.js';

/** Phases whose hooks can end the request. */
export type ReplyPhase = 'rewrite' | 'access' | 'beforeProxy';

type Outcome = Reply | undefined;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** `_meta.error_response` replaces the body of error replies (apisix/plugin.lua run_plugin). */
function finish(p: PreparedPlugin, r: Reply): Reply {
  if (p.errorResponse !== undefined && r.status >= 400) return { ...r, body: p.errorResponse };
  return r;
}

/** A hook's result that ends the request (anything else lets the phase go on). */
export function isReply(v: unknown): v is Reply {
  return v !== null && typeof v === 'object' && typeof (v as Reply).status === 'number';
}

/**
 * Run one phase over a priority-sorted list. Stays synchronous while hooks are, so a
 * chain of sync plugins costs no promise; the first returned Reply ends the request.
 * A throwing hook propagates (the caller answers 500).
 */
export function runPhase(
  list: readonly PreparedPlugin[],
  phase: ReplyPhase,
  ctx: RequestCtx,
  start = 0,
): Outcome | Promise<Outcome> {
  for (let i = start; i < list.length; i++) {
    const p = list[i]!;
    if (p.filter !== undefined && !p.filter(ctx.vars)) continue;
    const r = p.module[phase]!(ctx, p.state);
    if (isThenable(r)) {
      // The last hook of the list without _meta.error_response: its promise is the outcome
      // itself (hooks resolve a Reply or nothing), so no derived promise per request.
      if (i === list.length - 1 && p.errorResponse === undefined && r instanceof Promise) return r as Promise<Outcome>;
      return Promise.resolve(r).then((v) => (isReply(v) ? finish(p, v) : runPhase(list, phase, ctx, i + 1)));
    }
    if (isReply(r)) return finish(p, r);
  }
  return undefined;
}
