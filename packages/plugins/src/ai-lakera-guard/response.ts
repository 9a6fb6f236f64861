/**
 * Response-side scanning (APISIX `lua_body_filter`, direction output/both): the answer's
 * assembled text goes to Lakera as one assistant turn.
 * - Non-stream: a block decision replaces the answer with deny_code and the refusal.
 * - Stream, block mode (and alert without fail_open, whose Lakera errors still block): every
 *   upstream chunk is withheld and replaced by an SSE keep-alive comment (":\n\n"); at the
 *   end the held stream is released verbatim, or replaced by the refusal as one SSE event.
 * - Stream, alert with fail_open: chunks flow untouched; the text is scanned at the end for
 *   the log only.
 */
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { denyBody, denyReply, denyUsage } from '../ai-guard-shared/deny.js';
import type { ClientProtocol } from '../ai-guard-shared/protocol.js';
import type { ResponseGuard } from '../ai-shared/response-guards.js';
import type { Scan } from './index.js';
import type { AiLakeraGuardConf } from './schema.js';

const KEEPALIVE = Buffer.from(':\n\n');

export function lakeraResponseGuard(conf: AiLakeraGuardConf, protocol: ClientProtocol, scan: Scan): ResponseGuard {
  const scanText = (ctx: RequestContext, text: string) => scan(ctx, [{ role: 'assistant', content: text }], 'response');
  return {
    async checkBuffered(ctx, text): Promise<Reply | undefined> {
      if (text === '') return undefined;
      const { deny } = await scanText(ctx, text);
      return deny === undefined ? undefined : denyReply(ctx, protocol, conf.deny_code, deny);
    },
    wrapStream(ctx, body, text) {
      if (conf.action === 'alert' && conf.fail_open) return alertStream(ctx, body, text, scanText);
      return heldStream(ctx, body, text, scanText, protocol);
    },
  };
}

async function* alertStream(
  ctx: RequestContext,
  body: AsyncIterable<Uint8Array>,
  text: () => string | undefined,
  scanText: (ctx: RequestContext, text: string) => Promise<unknown>,
): AsyncIterable<Uint8Array> {
  yield* body;
  const content = text();
  if (content) await scanText(ctx, content);
}

async function* heldStream(
  ctx: RequestContext,
  body: AsyncIterable<Uint8Array>,
  text: () => string | undefined,
  scanText: (ctx: RequestContext, text: string) => Promise<{ deny?: string }>,
  protocol: ClientProtocol,
): AsyncIterable<Uint8Array> {
  const held: Uint8Array[] = [];
  for await (const chunk of body) {
    held.push(chunk);
    yield KEEPALIVE;
  }
  const content = text() ?? '';
  const { deny } = content === '' ? {} : await scanText(ctx, content);
  if (deny === undefined) {
    yield Buffer.concat(held);
    return;
  }
  yield Buffer.from(denyBody(protocol, deny, ctx.vars.get('request_llm_model'), true, denyUsage(ctx, protocol)));
}
