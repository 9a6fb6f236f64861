import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { denyBody, denyReply } from './deny.js';
import { onUnsupported, sanitizeReason } from './fail-mode.js';

const USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

describe('guard deny answers', () => {
  it('a chat deny is a chat.completion whose assistant message is the refusal', () => {
    const b = JSON.parse(denyBody('openai-chat', 'no', 'gpt-4', false, USAGE)) as Record<string, unknown>;
    expect(b).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      object: 'chat.completion',
      model: 'gpt-4',
      choices: [{ index: 0, message: { role: 'assistant', content: 'no' }, finish_reason: 'stop' }],
      usage: USAGE,
    });
  });

  it('a streaming deny is one chunk event then [DONE] without a trailing blank line', () => {
    const s = denyBody('openai-chat', 'no', undefined, true, USAGE);
    const m = /^data: (\{.*\})\n\ndata: \[DONE\]$/.exec(s);
    expect(m).not.toBeNull();
    expect(JSON.parse(m![1]!)).toEqual({
      id: expect.any(String),
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { content: 'no' }, finish_reason: 'stop' }],
      usage: USAGE,
    });
  });

  it('an embeddings deny is an OpenAI content_policy_violation error', () => {
    expect(denyBody('openai-embeddings', 'no', 'm', false, USAGE)).toBe(
      '{"error":{"message":"no","type":"content_policy_violation"}}',
    );
  });

  it('an Anthropic deny is a message, or the message_start … message_stop event sequence when streaming', () => {
    const usage = { input_tokens: 0, output_tokens: 0 };
    expect(JSON.parse(denyBody('anthropic-messages', 'no', 'claude', false, usage))).toEqual({
      id: expect.any(String),
      type: 'message',
      role: 'assistant',
      model: 'claude',
      content: [{ type: 'text', text: 'no' }],
      stop_reason: 'end_turn',
      usage,
    });
    const events = denyBody('anthropic-messages', 'no', 'claude', true, usage).split('\n\n').filter(Boolean);
    expect(events.map((e) => e.split('\n')[0])).toEqual([
      'event: message_start',
      'event: content_block_start',
      'event: content_block_delta',
      'event: content_block_stop',
      'event: message_delta',
      'event: message_stop',
    ]);
    expect(events[2]).toBe(
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"no"}}',
    );
    expect(events[5]).toBe('event: message_stop\ndata: {}');
  });

  it('a Responses deny is a completed response, or output_text.delta + response.completed events', () => {
    const usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
    const r = JSON.parse(denyBody('openai-responses', 'no', 'gpt-4o', false, usage));
    expect(r).toEqual({
      id: expect.any(String),
      object: 'response',
      status: 'completed',
      model: 'gpt-4o',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'no' }] }],
      usage,
    });
    const s = denyBody('openai-responses', 'no', 'gpt-4o', true, usage);
    expect(s).toMatch(
      /^event: response\.output_text\.delta\ndata: \{"type":"response\.output_text\.delta","delta":"no"\}\n\nevent: response\.completed\ndata: \{"type":"response\.completed","response":\{.*\}\}\n\n$/,
    );
  });

  it('a Bedrock Converse deny is one Converse answer', () => {
    const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    expect(denyBody('bedrock-converse', 'no', 'm', true, usage)).toBe(
      '{"output":{"message":{"role":"assistant","content":[{"text":"no"}]}},"stopReason":"end_turn","usage":{"inputTokens":0,"outputTokens":0,"totalTokens":0}}',
    );
  });

  it('the reply carries deny_code, the content type of the request kind and the client model', async () => {
    const ctx = fakeContext();
    ctx.vars.set('request_type', 'ai_stream');
    ctx.vars.set('request_llm_model', 'gpt-4o');
    const r = denyReply(ctx, 'openai-chat', 403, 'blocked');
    expect(r.status).toBe(403);
    expect(r.headers).toEqual({ 'content-type': 'text/event-stream' });
    expect(String(r.body)).toContain('"model":"gpt-4o"');
    ctx.vars.set('request_type', 'ai_chat');
    expect(denyReply(ctx, 'openai-chat', 200, 'b').headers).toEqual({ 'content-type': 'application/json' });
  });
});

describe('fail_mode', () => {
  it('error rejects with the given status and body; skip and warn pass and log at their level', () => {
    const ctx = fakeContext();
    expect(onUnsupported('error', 'p', ctx, 'why', 500, 'body')).toEqual({ status: 500, body: 'body' });
    expect(ctx.logs).toEqual([]);
    expect(onUnsupported('skip', 'p', ctx, 'why', 500, 'body')).toBeUndefined();
    expect(onUnsupported('warn', 'p', ctx, 'why\nforged', 500, 'body')).toBeUndefined();
    expect(ctx.logs.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'p skipped: why'],
      ['warn', 'p skipped: why forged'],
    ]);
  });

  it('reasons are capped at 256 characters', () => {
    expect(sanitizeReason('x'.repeat(300))).toHaveLength(256);
  });
});
