/**
 * The deny answer of the guard plugins: a response the client's SDK parses as a normal
 * result carrying the refusal text (APISIX `proto.build_deny_response` of the client's
 * protocol), so a blocked prompt reads as an assistant message rather than a transport error.
 */
import { randomUUID } from 'node:crypto';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import type { ClientProtocol } from './protocol.js';

/** The protocol's zero usage (APISIX `empty_usage`), used when the LLM reported none yet. */
export function emptyUsage(protocol: ClientProtocol): Record<string, number> {
  if (protocol === 'anthropic-messages') return { input_tokens: 0, output_tokens: 0 };
  if (protocol === 'openai-responses') return { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  if (protocol === 'bedrock-converse') return { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
}

const sse = (event: string | undefined, data: unknown): string =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

function chatDeny(text: string, model: string | undefined, stream: boolean, usage: unknown): string {
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

function anthropicDeny(text: string, model: string | undefined, stream: boolean, usage: unknown): string {
  if (!stream) {
    return JSON.stringify({
      id: randomUUID(),
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      usage,
    });
  }
  return (
    sse('message_start', {
      type: 'message_start',
      message: { id: randomUUID(), type: 'message', role: 'assistant', model, content: [], usage },
    }) +
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
    sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }) +
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage }) +
    sse('message_stop', '{}')
  );
}

function responsesDeny(text: string, model: string | undefined, stream: boolean, usage: unknown): string {
  const response = {
    id: randomUUID(),
    object: 'response',
    status: 'completed',
    model,
    output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
    usage,
  };
  if (!stream) return JSON.stringify(response);
  return (
    sse('response.output_text.delta', { type: 'response.output_text.delta', delta: text }) +
    sse('response.completed', { type: 'response.completed', response })
  );
}

/** The deny body as APISIX encodes it (a string, written as is). */
export function denyBody(
  protocol: ClientProtocol,
  text: string,
  model: string | undefined,
  stream: boolean,
  usage: unknown,
): string {
  switch (protocol) {
    case 'openai-embeddings':
      return JSON.stringify({ error: { message: text, type: 'content_policy_violation' } });
    case 'anthropic-messages':
      return anthropicDeny(text, model, stream, usage);
    case 'openai-responses':
      return responsesDeny(text, model, stream, usage);
    case 'bedrock-converse':
      // one Converse JSON answer, streaming or not (APISIX bedrock-converse build_deny_response)
      return JSON.stringify({ output: { message: { role: 'assistant', content: [{ text }] } }, stopReason: 'end_turn', usage });
    default:
      return chatDeny(text, model, stream, usage);
  }
}

/** The usage a refusal reports: the LLM's raw usage when known, else the protocol's zeros. */
export function denyUsage(ctx: RequestContext, protocol: ClientProtocol): unknown {
  return ctx.shared.get('llm_raw_usage') ?? emptyUsage(protocol);
}

/**
 * The Reply that denies the request: `status` (the plugin's deny_code), Content-Type
 * text/event-stream for a streaming request, else application/json.
 */
export function denyReply(ctx: RequestContext, protocol: ClientProtocol, status: number, text: string): Reply {
  const stream = ctx.vars.get('request_type') === 'ai_stream';
  return {
    status,
    headers: { 'content-type': stream ? 'text/event-stream' : 'application/json' },
    body: denyBody(protocol, text, ctx.vars.get('request_llm_model'), stream, denyUsage(ctx, protocol)),
  };
}
