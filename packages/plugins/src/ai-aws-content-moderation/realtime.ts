/**
 * `stream_check_mode: realtime` (APISIX lua_body_filter): the streamed answer's text is
 * collected per upstream chunk; once `stream_check_cache_size` bytes piled up (Lua `#`), or
 * `stream_check_interval` seconds passed since the last check, or the stream reaches its end
 * (`data: [DONE]`), the collected text is scored BEFORE the chunk that triggered the check
 * goes out. A hit replaces that chunk and the rest of the stream with the SSE refusal (the
 * upstream read stops); a Comprehend failure lets the text through. The status was already
 * sent, so deny_code does not apply.
 */
import type { RequestContext } from '@portico/plugin-sdk';
import { deltaTexts, SseDecoder } from '@portico/providers';
import { denyBody, denyUsage } from '../ai-guard-shared/deny.js';
import type { ClientProtocol } from '../ai-guard-shared/protocol.js';
import type { Moderate } from './response.js';

export interface RealtimeConf {
  stream_check_cache_size: number;
  /** Seconds. */
  stream_check_interval: number;
  response_check_length_limit: number;
  deny_message?: string;
}

/** Text deltas and whether the stream ended, for the events a chunk completes. */
function readChunk(decoder: SseDecoder, chunk: Uint8Array): { text: string; done: boolean } {
  let text = '';
  let done = false;
  for (const ev of decoder.push(chunk)) {
    if (ev.done) {
      done = true;
      continue;
    }
    if (ev.data === '') continue;
    try {
      text += deltaTexts(JSON.parse(ev.data)).join('');
    } catch {
      // not JSON: nothing to score
    }
  }
  return { text, done };
}

export async function* realtimeStream(
  ctx: RequestContext,
  body: AsyncIterable<Uint8Array>,
  conf: RealtimeConf,
  protocol: ClientProtocol,
  moderate: Moderate,
  now: () => number = Date.now,
): AsyncIterable<Uint8Array> {
  const decoder = new SseDecoder();
  const intervalMs = conf.stream_check_interval * 1000;
  let cache = '';
  let last = now();
  const check = async (): Promise<string | undefined> => {
    last = now();
    const text = cache;
    cache = '';
    if (text === '') return undefined;
    const { reason } = await moderate(ctx, text, 'response body', conf.response_check_length_limit);
    return reason === undefined ? undefined : (conf.deny_message ?? reason);
  };
  for await (const chunk of body) {
    const { text, done } = readChunk(decoder, chunk);
    cache += text;
    if (done || Buffer.byteLength(cache) >= conf.stream_check_cache_size || now() - last >= intervalMs) {
      const deny = await check();
      if (deny !== undefined) {
        yield Buffer.from(denyBody(protocol, deny, ctx.vars.get('request_llm_model'), true, denyUsage(ctx, protocol)));
        return;
      }
    }
    yield chunk;
  }
  const deny = await check();
  if (deny !== undefined) {
    yield Buffer.from(denyBody(protocol, deny, ctx.vars.get('request_llm_model'), true, denyUsage(ctx, protocol)));
  }
}
