import { describe, expect, it } from 'vitest';
import { getProvider } from '@portico/providers';
import { fakeContext } from '../testing/fake-context.js';
import { getRunState } from './keys.js';
import { prepareInstance } from './instance.js';
import { isPlan, planRequest } from './protocol-plan.js';
import { decodeWholeBody, StreamProtocolIo } from './protocol-response.js';
import { isReply, validateAiRequest } from './validate.js';

async function setup(uri: string, body: unknown, provider = 'openai') {
  const ctx = fakeContext({ uri, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const req = await validateAiRequest(ctx);
  if (isReply(req)) throw new Error(JSON.stringify(req.body));
  const inst = prepareInstance('i', { provider, auth: {}, override: { endpoint: 'http://127.0.0.1:1' } } as never);
  const plan = planRequest(req, inst);
  if (!isPlan(plan)) throw new Error('no plan');
  const state = getRunState(ctx)!;
  state.plan = plan;
  state.toolNames = new Map();
  return { ctx, state };
}

const ev = (type: string, data: unknown) => Buffer.from(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);

describe('stream usage (APISIX merge_usage)', () => {
  it('adds Anthropic message_start input tokens and message_delta output tokens', async () => {
    const { ctx, state } = await setup(
      '/v1/messages',
      { messages: [{ role: 'user', content: 'hi' }], stream: true },
      'anthropic',
    );
    const io = new StreamProtocolIo(ctx, state);
    const start = ev('message_start', {
      type: 'message_start',
      message: { usage: { input_tokens: 23, cache_read_input_tokens: 3, output_tokens: 1 } },
    });
    // Split inside an event: decoded across chunk boundaries, bytes passed on untouched.
    expect(io.push(start.subarray(0, 10))).toEqual(start.subarray(0, 10));
    io.push(start.subarray(10));
    io.push(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hey' } }));
    io.push(ev('message_delta', { type: 'message_delta', usage: { output_tokens: 8 } }));
    expect(ctx.shared.get('ai_token_usage')).toEqual({
      prompt_tokens: 23,
      completion_tokens: 8,
      total_tokens: 31,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 0,
    });
    expect(ctx.shared.get('llm_raw_usage')).toEqual({ input_tokens: 23, cache_read_input_tokens: 3, output_tokens: 8 });
    expect(ctx.varValues.get('llm_total_tokens')).toBe(31);
    expect(ctx.varValues.get('llm_cache_read_input_tokens')).toBe(3);
    expect(io.texts).toEqual(['Hey']);
  });

  it('converts OpenAI chunks into Anthropic events for a converted request', async () => {
    const { ctx, state } = await setup('/v1/messages', { messages: [{ role: 'user', content: 'hi' }], stream: true });
    const io = new StreamProtocolIo(ctx, state);
    expect(io.converting).toBe(true);
    const out = io.push(Buffer.from('data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'));
    expect(out?.toString()).toMatch(/^event: message_start\n.*event: content_block_start\n.*event: content_block_delta\n/s);
    io.push(Buffer.from('data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'));
    const tail = io.push(
      Buffer.from(
        'data: {"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\ndata: [DONE]\n\n',
      ),
    );
    expect(tail?.toString()).toBe(
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":5,"output_tokens":2}}\n\n' +
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
    expect(ctx.shared.get('ai_token_usage')).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it('reads Responses usage (with reasoning tokens) from response.completed', async () => {
    const { ctx, state } = await setup('/v1/responses', { input: 'hi', stream: true });
    const io = new StreamProtocolIo(ctx, state);
    io.push(ev('response.output_text.delta', { delta: 'A' }));
    io.push(
      ev('response.completed', {
        response: {
          usage: { input_tokens: 4, output_tokens: 6, total_tokens: 10, output_tokens_details: { reasoning_tokens: 2 } },
        },
      }),
    );
    expect(ctx.varValues.get('llm_reasoning_tokens')).toBe(2);
    expect(ctx.varValues.get('llm_total_tokens')).toBe(10);
    expect(io.texts).toEqual(['A']);
  });
});

describe('whole responses', () => {
  it('converts a chat completion for an Anthropic client and reads usage in Anthropic terms', async () => {
    const { ctx, state } = await setup('/v1/messages', { model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    const r = decodeWholeBody(
      ctx,
      state,
      {
        id: 'x',
        choices: [{ message: { content: 'Hello' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } },
      },
      getProvider('openai'),
      'chat',
    );
    expect(r.ok && JSON.parse(r.out!.toString())).toMatchObject({
      type: 'message',
      model: 'claude',
      content: [{ type: 'text', text: 'Hello' }],
    });
    expect(ctx.shared.get('ai_token_usage')).toMatchObject({
      prompt_tokens: 6,
      completion_tokens: 2,
      cache_read_input_tokens: 4,
    });
    expect(state.responseText).toBe('Hello');
  });
  it('fails with 500 `no choices in response` when nothing converts', async () => {
    const { ctx, state } = await setup('/v1/messages', { messages: [{ role: 'user', content: 'hi' }] });
    expect(decodeWholeBody(ctx, state, { choices: [] }, getProvider('openai'), 'chat')).toEqual({
      ok: false,
      status: 500,
      message: 'no choices in response',
    });
  });
});

describe('validateAiRequest (3.18 access checks)', () => {
  it('answers 413 from Content-Length before reading, and for larger bodies', async () => {
    const ctx = fakeContext({
      headers: { 'content-type': 'application/json', 'content-length': '100' },
      body: '{"messages":[]}',
    });
    expect(await validateAiRequest(ctx, 50)).toEqual({
      status: 413,
      body: { message: 'could not get body: request size 100 is greater than the maximum size 50 allowed' },
    });
    const big = fakeContext({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'x'.repeat(60) }) });
    expect(await validateAiRequest(big, 50)).toMatchObject({ status: 413 });
  });
  it('answers 400 for an object no protocol matches', async () => {
    const ctx = fakeContext({ headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await validateAiRequest(ctx)).toEqual({ status: 400, body: 'no matching AI protocol for the request' });
  });
  it('sets request_type from the detected protocol', async () => {
    const ctx = fakeContext({
      uri: '/v1/messages',
      headers: { 'content-type': 'application/json' },
      body: '{"messages":[],"stream":true}',
    });
    const r = await validateAiRequest(ctx);
    expect(!isReply(r) && r.protocol?.name).toBe('anthropic-messages');
    expect(ctx.varValues.get('request_type')).toBe('ai_stream');
  });
});
