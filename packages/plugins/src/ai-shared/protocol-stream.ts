import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { AiProxyError, type AttemptResult } from './types.js';

/** APISIX's message when a converted stream ended without a single converted event. */
export const NO_STREAM_OUTPUT =
  'streaming response completed without producing any output; the upstream likely returned a different stream format than the converter expects';

const STATUS_OF: Partial<Record<AiProxyError['code'], number>> = {
  AI_UPSTREAM_TIMEOUT: 504,
  AI_CLIENT_ABORTED: 499,
};

/**
 * A converted stream commits its head only once the converter produced its first event: an
 * upstream answering in another stream format (nothing converts) is then a 502 with APISIX's
 * message instead of an empty 200, and ai-proxy-multi may still fall back. The reply body
 * becomes a plain AsyncIterable that yields the first converted chunk, then the rest.
 */
export async function primeConvertedStream(ctx: RequestContext, reply: Reply): Promise<AttemptResult> {
  const it = (reply.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await it.next();
  } catch (err) {
    const error = err instanceof AiProxyError ? err : new AiProxyError('AI_INTERNAL', String(err));
    return { ok: false, status: STATUS_OF[error.code] ?? 502, error };
  }
  if (first.done) {
    ctx.logger.error({ requestId: ctx.requestId }, NO_STREAM_OUTPUT);
    return {
      ok: false,
      status: 502,
      body: Buffer.from(NO_STREAM_OUTPUT),
      error: new AiProxyError('AI_RESPONSE_CONVERSION', NO_STREAM_OUTPUT),
    };
  }
  const head = first.value;
  let sentHead = false;
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (!sentHead) {
          sentHead = true;
          return { value: head, done: false };
        }
        return it.next();
      },
      return: async () => (it.return ? it.return() : { value: undefined, done: true }),
    }),
  };
  return { ok: true, reply: { ...reply, body } };
}
