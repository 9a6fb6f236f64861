/**
 * Response-side moderation (APISIX `lua_body_filter`, check_response): a non-stream answer's
 * assembled text is scored before it is sent — flagged → deny_code + refusal, Comprehend
 * failing → 500 (nothing was sent yet, so it fails closed like the request side). Streams in
 * realtime mode: ./realtime.ts. A streamed answer in final_packet mode flows to the client as
 * it comes; the chunk that
 * carries the last JSON data frame is held until the assembled text is scored, and its data
 * frames are annotated with `risk_level` ("high" / "none"; no annotation when Comprehend
 * failed).
 */
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { denyReply } from '../ai-guard-shared/deny.js';
import type { ClientProtocol } from '../ai-guard-shared/protocol.js';
import { annotateDataFrames, hasJsonDataFrame } from '../ai-guard-shared/sse-annotate.js';
import type { ResponseGuard } from '../ai-shared/response-guards.js';
import { type RealtimeConf, realtimeStream } from './realtime.js';

export type Moderate = (
  ctx: RequestContext,
  text: string,
  subject: string,
  limit: number,
) => Promise<{ reason?: string; error?: string }>;

export interface ResponseModerationConf extends RealtimeConf {
  deny_code: number;
  stream_check_mode: 'realtime' | 'final_packet';
}

export function responseGuard(conf: ResponseModerationConf, protocol: ClientProtocol, moderate: Moderate): ResponseGuard {
  const limit = conf.response_check_length_limit;
  return {
    async checkBuffered(ctx, text): Promise<Reply | undefined> {
      if (text === '') {
        if (ctx.vars.get('llm_content_risk_level') !== 'high') ctx.vars.set('llm_content_risk_level', 'none');
        return undefined;
      }
      const { reason, error } = await moderate(ctx, text, 'response body', limit);
      if (error !== undefined) return { status: 500, body: error };
      if (reason === undefined) return undefined;
      return denyReply(ctx, protocol, conf.deny_code, conf.deny_message ?? reason);
    },
    wrapStream(ctx, body, text) {
      if (conf.stream_check_mode === 'realtime') return realtimeStream(ctx, body, conf, protocol, moderate);
      return annotatedStream(ctx, body, text, limit, moderate);
    },
  };
}

async function* annotatedStream(
  ctx: RequestContext,
  body: AsyncIterable<Uint8Array>,
  text: () => string | undefined,
  limit: number,
  moderate: Moderate,
): AsyncIterable<Uint8Array> {
  let held: Uint8Array[] = [];
  for await (const chunk of body) {
    if (hasJsonDataFrame(Buffer.from(chunk).toString('utf8'))) {
      yield* held;
      held = [chunk];
    } else if (held.length > 0) held.push(chunk);
    else yield chunk;
  }
  if (held.length === 0) return;
  const content = text() ?? '';
  let scored = true;
  if (content === '') {
    if (ctx.vars.get('llm_content_risk_level') !== 'high') ctx.vars.set('llm_content_risk_level', 'none');
  } else {
    const { error } = await moderate(ctx, content, 'response body', limit);
    scored = error === undefined;
  }
  if (!scored) {
    ctx.logger.warn({ requestId: ctx.requestId }, 'response was not scored, streaming without a risk_level annotation');
    yield* held;
    return;
  }
  const level = ctx.vars.get('llm_content_risk_level');
  yield Buffer.from(annotateDataFrames(Buffer.from(held[0]!).toString('utf8'), 'risk_level', level));
  yield* held.slice(1);
}
