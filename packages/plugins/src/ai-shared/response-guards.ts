/**
 * Response-side hooks for AI guard plugins (APISIX's `lua_body_filter` of
 * ai-aws-content-moderation and ai-lakera-guard): a guard registered on the request in the
 * access phase sees the assembled completion of a non-stream answer and may replace the
 * answer, or wraps the streamed body to hold, annotate or replace it. Applied by
 * `sendToInstance` to successful (< 400) answers only; without a registered guard it costs
 * one Map lookup.
 */
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import type { AiRunState } from './keys.js';
import type { AttemptResult } from './types.js';
import { responseTextOf } from './usage-scan.js';

export interface ResponseGuard {
  /** Non-stream answer: its assembled text (possibly ""); a Reply is sent instead of the answer. */
  checkBuffered(ctx: RequestContext, text: string): Promise<Reply | undefined>;
  /**
   * Stream answer: the body to send instead of `body`. `text()` is the assembled completion
   * once `body` has ended.
   */
  wrapStream(ctx: RequestContext, body: AsyncIterable<Uint8Array>, text: () => string | undefined): AsyncIterable<Uint8Array>;
}

const KEY = 'ai_shared.response_guards';

/** Register `guard` for this request's AI answer (guards run in registration order). */
export function addResponseGuard(ctx: RequestContext, guard: ResponseGuard): void {
  const list = ctx.shared.get(KEY) as ResponseGuard[] | undefined;
  if (list) list.push(guard);
  else ctx.shared.set(KEY, [guard]);
}

const isStreamBody = (b: unknown): b is AsyncIterable<Uint8Array> =>
  typeof b === 'object' && b !== null && !(b instanceof Uint8Array) && Symbol.asyncIterator in b;

/** Run the registered guards over a successful attempt's answer. */
export async function applyResponseGuards(ctx: RequestContext, state: AiRunState, result: AttemptResult): Promise<AttemptResult> {
  const guards = ctx.shared.get(KEY) as ResponseGuard[] | undefined;
  if (!guards || !result.ok || result.reply.status >= 400) return result;
  const reply = result.reply;
  if (isStreamBody(reply.body)) {
    let body: AsyncIterable<Uint8Array> = reply.body;
    for (const g of guards) body = g.wrapStream(ctx, body, () => responseTextOf(state));
    return { ok: true, reply: { ...reply, body } };
  }
  // A buffered answer's text is extracted on first read (usage-scan.ts).
  const text = responseTextOf(state) ?? '';
  for (const g of guards) {
    const replaced = await g.checkBuffered(ctx, text);
    if (replaced) return { ok: true, reply: replaced };
  }
  return result;
}
