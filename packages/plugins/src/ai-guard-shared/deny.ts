/**
 * The deny answer of the guard plugins: a response the client's SDK parses as a normal
 * result carrying the refusal text (APISIX `proto.build_deny_response`), so a blocked prompt
 * reads as an assistant message rather than a transport error.
 */
import { randomUUID } from 'node:crypto';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import type { ClientProtocol } from './protocol.js';

const EMPTY_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } as const;

/** The deny body as APISIX encodes it (a string, written without a trailing newline). */
export function denyBody(
  protocol: ClientProtocol,
  text: string,
  model: string | undefined,
  stream: boolean,
  usage: unknown,
): string {
  if (protocol === 'openai-embeddings') {
    return JSON.stringify({ error: { message: text, type: 'content_policy_violation' } });
  }
  if (stream) {
    const chunk = {
      id: randomUUID(),
      object: 'chat.completion.chunk',
      model,
      choices: [{ index: 0, delta: { content: text }, finish_reason: 'stop' }],
      usage,
    };
    return `data: ${JSON.stringify(chunk)}\n\ndata: [DONE]`;
  }
  return JSON.stringify({
    id: randomUUID(),
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage,
  });
}

/**
 * The Reply that denies the request in the access phase: `status` (the plugin's deny_code),
 * Content-Type text/event-stream for a streaming request, else application/json.
 */
export function denyReply(ctx: RequestContext, protocol: ClientProtocol, status: number, text: string): Reply {
  const stream = ctx.vars.get('request_type') === 'ai_stream';
  const usage = ctx.shared.get('llm_raw_usage') ?? EMPTY_USAGE;
  return {
    status,
    headers: { 'content-type': stream ? 'text/event-stream' : 'application/json' },
    body: denyBody(protocol, text, ctx.vars.get('request_llm_model'), stream, usage),
  };
}
