import { describe, expect, it } from 'vitest';
import { SseDecoder } from '../sse/decoder.js';
import { capabilitiesOf, registerCapabilities, supportedList } from './capabilities.js';
import { deepMerge } from './merge.js';
import { detectProtocol, getProtocol } from './registry.js';

const name = (body: Record<string, unknown>, uri = '/x') => detectProtocol(body, uri)?.name;

describe('protocol detection (APISIX 3.18 order)', () => {
  it('bedrock-converse first: URI ends with /converse and the body has messages', () => {
    expect(name({ messages: [] }, '/model/m/converse')).toBe('bedrock-converse');
    expect(name({ input: 'x' }, '/model/m/converse')).toBe('openai-embeddings');
    expect(getProtocol('bedrock-converse')!.extractUsage({ usage: { inputTokens: 3, outputTokens: 4 } })?.usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
    });
  });
  it('anthropic-messages when the URI ends with /v1/messages, whatever the body', () => {
    expect(name({ messages: [] }, '/v1/messages')).toBe('anthropic-messages');
    expect(name({ foo: 1 }, '/proxy/v1/messages')).toBe('anthropic-messages');
    expect(name({ messages: [] }, '/v1/messages/x')).toBe('openai-chat');
  });
  it('openai-responses for /v1/responses only with an input', () => {
    expect(name({ input: 'hi' }, '/v1/responses')).toBe('openai-responses');
    expect(name({ prompt: 'hi' }, '/v1/responses')).toBe('passthrough');
  });
  it('then openai-chat by messages, openai-embeddings by input, passthrough for the rest', () => {
    expect(name({ messages: [], input: 'x' })).toBe('openai-chat');
    expect(name({ input: 'hello' })).toBe('openai-embeddings');
    expect(name({ input: null })).toBe('openai-embeddings');
    expect(name({ prompt: 'a cat', model: 'dall-e-3' })).toBe('passthrough');
  });
  it('nothing for an empty object', () => {
    expect(detectProtocol({}, '/x')).toBeUndefined();
    expect(detectProtocol({}, '/v1/responses')).toBeUndefined();
  });
});

describe('provider capabilities', () => {
  it('declares APISIX 3.18 paths and the supported list in declaration order', () => {
    expect(supportedList(capabilitiesOf('openai'))).toBe('openai-chat, openai-responses, openai-embeddings');
    expect(capabilitiesOf('anthropic')['anthropic-messages']?.path).toBe('/v1/messages');
    expect(capabilitiesOf('openai-compatible')['openai-responses']?.path).toBe('/v1/responses');
    expect(supportedList(capabilitiesOf('deepseek'))).toBe('openai-chat');
  });
  it('lets a provider module register its own protocols', () => {
    registerCapabilities('test-provider', { 'bedrock-converse': { target: 'chat' } });
    expect(supportedList(capabilitiesOf('test-provider'))).toBe('bedrock-converse');
    expect(capabilitiesOf('unknown')).toEqual({});
  });
});

describe('deepMerge (override.request_body)', () => {
  it('recurses into objects regardless of force; fills scalars only when absent', () => {
    const t = { a: 1, o: { x: 1 }, arr: [1] };
    expect(deepMerge(t, { a: 2, b: 3, o: { x: 2, y: 3 }, arr: [9] }, false)).toEqual({ a: 1, b: 3, o: { x: 1, y: 3 }, arr: [1] });
  });
  it('replaces scalars and arrays wholesale with force', () => {
    expect(deepMerge({ a: 1, arr: [1, 2], o: { x: 1 } }, { a: 2, arr: [3], o: { x: 2 } }, true)).toEqual({
      a: 2,
      arr: [3],
      o: { x: 2 },
    });
  });
  it('an object patch replaces a scalar only with force; null counts as a value', () => {
    expect(deepMerge({ o: 1 }, { o: { x: 1 } }, false)).toEqual({ o: 1 });
    expect(deepMerge({ o: 1 }, { o: { x: 1 } }, true)).toEqual({ o: { x: 1 } });
    expect(deepMerge({ n: null }, { n: 5 }, false)).toEqual({ n: null });
  });
  it('never writes into the target nested objects it was given, nor shares patch values', () => {
    const nested = { x: 1 };
    const patch = { o: { y: [1] }, p: { q: 1 } };
    const out = deepMerge({ o: nested }, patch, false);
    expect(nested).toEqual({ x: 1 });
    (out.p as { q: number }).q = 2;
    expect(patch.p.q).toBe(1);
  });
});

function parseAll(proto: string, sse: string) {
  const p = getProtocol(proto as 'openai-chat')!;
  return new SseDecoder().push(sse).map((e) => p.parseSseEvent(e));
}

describe('usage and text per protocol', () => {
  it('openai-chat: cached and reasoning tokens, DeepSeek cache hits, total defaults', () => {
    const chat = getProtocol('openai-chat')!;
    expect(
      chat.extractUsage({
        usage: {
          prompt_tokens: 10,
          completion_tokens: 5,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 2 },
        },
      })?.usage,
    ).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cache_read_input_tokens: 4,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 2,
    });
    expect(chat.extractUsage({ usage: { prompt_tokens: 3, prompt_cache_hit_tokens: 2 } })?.usage.cache_read_input_tokens).toBe(2);
    expect(chat.extractResponseText({ choices: [{ message: { content: 'a' } }, { message: { content: 'b' } }] })).toBe('a b');
  });
  it('openai-chat SSE: null usage on deltas is skipped, [DONE] ends', () => {
    const ev = parseAll(
      'openai-chat',
      'data: {"choices":[{"delta":{"content":"Hi"}}],"usage":null}\n\ndata: {"choices":[],"usage":{"prompt_tokens":8,"completion_tokens":2}}\n\ndata: [DONE]\n\n',
    );
    expect(ev.map((e) => e.type)).toEqual(['delta', 'usage', 'done']);
    expect(ev[0]!.texts).toEqual(['Hi']);
    expect(ev[1]!.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 2, total_tokens: 0 });
  });
  it('anthropic-messages: input tokens at message_start, output at message_delta, text deltas, tool use, errors', () => {
    const ev = parseAll(
      'anthropic-messages',
      [
        'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":12,"cache_read_input_tokens":3,"output_tokens":1}}}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hey"}}\n\n',
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}\n\n',
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ].join(''),
    );
    expect(ev.map((e) => e.type)).toEqual(['usage', 'skip', 'delta', 'usage', 'done', 'done']);
    expect(ev[0]!.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 1, cache_read_input_tokens: 3 });
    expect(ev[1]!.hasToolCall).toBe(true);
    expect(ev[3]!.usage).toEqual({ prompt_tokens: 0, completion_tokens: 7, total_tokens: 7 });
    expect(ev[4]!.warning).toBe('Anthropic SSE error: type=overloaded_error, message=Overloaded');
    const whole = getProtocol('anthropic-messages')!;
    expect(
      whole.extractResponseText({ content: [{ type: 'text', text: 'a' }, { type: 'tool_use' }, { type: 'text', text: 'b' }] }),
    ).toBe('a b');
    expect(whole.extractUsage({ usage: { input_tokens: 5, output_tokens: 6, cache_creation_input_tokens: 2 } })?.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 6,
      total_tokens: 11,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 2,
      reasoning_tokens: 0,
    });
  });
  it('openai-responses: usage with reasoning tokens arrives with response.completed', () => {
    const ev = parseAll(
      'openai-responses',
      'event: response.output_text.delta\ndata: {"delta":"Hi"}\n\nevent: response.completed\ndata: {"response":{"usage":{"input_tokens":4,"output_tokens":6,"total_tokens":10,"output_tokens_details":{"reasoning_tokens":3}},"output":[{"type":"function_call"}]}}\n\n',
    );
    expect(ev.map((e) => e.type)).toEqual(['delta', 'usage_and_done']);
    expect(ev[1]!.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10, reasoning_tokens: 3 });
    expect(ev[1]!.hasToolCall).toBe(true);
    const r = getProtocol('openai-responses')!;
    expect(r.extractResponseText({ output: [{ type: 'message', content: [{ type: 'output_text', text: 'x' }] }] })).toBe('x');
    expect(r.requestContent({ input: 'q' })).toBe('q');
  });
  it('openai-embeddings: prompt and total tokens only', () => {
    expect(getProtocol('openai-embeddings')!.extractUsage({ usage: { prompt_tokens: 2, total_tokens: 2 } })?.usage).toEqual({
      prompt_tokens: 2,
      completion_tokens: 0,
      total_tokens: 2,
    });
  });
});
