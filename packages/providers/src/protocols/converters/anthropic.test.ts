import { describe, expect, it } from 'vitest';
import { SseDecoder } from '../../sse/decoder.js';
import { getProtocol } from '../registry.js';
import { anthropicToOpenAiHeaders, anthropicToOpenAiRequest } from './anthropic-request.js';
import { AnthropicStreamConverter, encodeSseEvent, openAiToAnthropicResponse } from './anthropic-response.js';

function convert(body: Record<string, unknown>) {
  const r = anthropicToOpenAiRequest(body);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('Anthropic Messages → OpenAI chat request', () => {
  it('maps system, parameters and string content', () => {
    const { body } = convert({
      model: 'claude-3',
      system: 'Be brief',
      max_tokens: 100,
      temperature: 0,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'u1' },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(body).toEqual({
      model: 'claude-3',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 100,
      temperature: 0,
      top_p: 0.9,
      stop: ['END'],
      user: 'u1',
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
  });
  it('joins system text blocks and drops the billing cch part', () => {
    const { body } = convert({
      system: [
        { type: 'text', text: 'x-anthropic-billing-header: cc_version=1; cch=abc;' },
        { type: 'text', text: 'You are helpful' },
      ],
      messages: [{ role: 'user', content: 'q' }],
    });
    expect(body.messages).toEqual([
      { role: 'system', content: 'x-anthropic-billing-header:cc_version=1You are helpful' },
      { role: 'user', content: 'q' },
    ]);
  });
  it('converts tools, tool_choice, tool_use and tool_result blocks', () => {
    const { body } = convert({
      tools: [
        { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18C' }] }] },
      ],
    });
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } },
    ]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(body.parallel_tool_calls).toBe(false);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
    ]);
  });
  it('renames tool names OpenAI rejects and restores them in responses', () => {
    const { body, toolNames } = convert({
      tools: [{ name: 'ns:tool.v1', input_schema: {} }],
      messages: [{ role: 'user', content: 'x' }],
    });
    const renamed = (body.tools as { function: { name: string } }[])[0]!.function.name;
    expect(renamed).toMatch(/^ns_tool_v1_[0-9a-f]{8}$/);
    const res = openAiToAnthropicResponse(
      {
        choices: [
          {
            message: { tool_calls: [{ id: 'c1', function: { name: renamed, arguments: '{"a":1}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
      'm',
      toolNames,
    );
    expect(res.ok && res.value.content).toEqual([{ type: 'tool_use', id: 'c1', name: 'ns:tool.v1', input: { a: 1 } }]);
  });
  it('turns images into image_url parts and drops tool_choice without tools', () => {
    const { body } = convert({
      tool_choice: { type: 'auto' },
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'QUJD' } }] },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,QUJD' } }] },
    ]);
    expect(body).not.toHaveProperty('tool_choice');
  });
  it('rejects bad messages with APISIX errors', () => {
    expect(anthropicToOpenAiRequest({ model: 'x' })).toEqual({ ok: false, error: 'missing messages' });
    expect(anthropicToOpenAiRequest({ messages: 'hello' })).toEqual({ ok: false, error: 'missing messages' });
    expect(anthropicToOpenAiRequest({ messages: [] })).toEqual({ ok: false, error: 'missing messages' });
    expect(anthropicToOpenAiRequest({ messages: [{ role: 'user', content: 'a' }, { content: 'b' }] })).toEqual({
      ok: false,
      error: 'invalid message at index 2',
    });
    expect(anthropicToOpenAiRequest({ messages: [{ role: 'user', content: 5 }] })).toEqual({
      ok: false,
      error: 'invalid message content at index 1',
    });
  });
  it('maps thinking budgets to reasoning_effort', () => {
    const effort = (thinking: unknown, output_config?: unknown) =>
      convert({ thinking, output_config, messages: [{ role: 'user', content: 'x' }] }).body.reasoning_effort;
    expect(effort({ type: 'enabled', budget_tokens: 5000 })).toBe('high');
    expect(effort({ type: 'enabled', budget_tokens: 2048 })).toBe('medium');
    expect(effort({ type: 'enabled', budget_tokens: 1024 })).toBe('low');
    expect(effort({ type: 'enabled', budget_tokens: 10 })).toBe('minimal');
    expect(effort({ type: 'adaptive' })).toBe('medium');
    expect(effort({ type: 'adaptive' }, { effort: 'low' })).toBe('low');
  });
  it('moves x-api-key to a bearer token and drops anthropic-/x-stainless- headers', () => {
    const h: Record<string, string | string[]> = {
      'x-api-key': 'k',
      'anthropic-version': '2023-06-01',
      'x-stainless-os': 'Linux',
      accept: '*/*',
    };
    anthropicToOpenAiHeaders(h);
    expect(h).toEqual({ authorization: 'Bearer k', accept: '*/*' });
    const configured: Record<string, string | string[]> = { 'x-api-key': 'client', authorization: 'Bearer gw' };
    anthropicToOpenAiHeaders(configured);
    expect(configured).toEqual({ authorization: 'Bearer gw' });
  });
});

describe('OpenAI chat → Anthropic Messages response', () => {
  it('builds a message with the gateway model, stop reason and cache-aware usage', () => {
    const res = openAiToAnthropicResponse(
      {
        id: 'chatcmpl-1',
        model: 'gpt-4o-2024',
        choices: [{ message: { content: '1 + 1 = 2.' }, finish_reason: 'length' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } },
      },
      'gpt-4o',
      new Map(),
    );
    expect(res).toEqual({
      ok: true,
      value: {
        id: 'chatcmpl-1',
        type: 'message',
        role: 'assistant',
        model: 'gpt-4o',
        content: [{ type: 'text', text: '1 + 1 = 2.' }],
        stop_reason: 'max_tokens',
        usage: { input_tokens: 6, output_tokens: 5, cache_read_input_tokens: 4 },
      },
    });
  });
  it('maps upstream errors and rejects bodies without choices', () => {
    expect(openAiToAnthropicResponse({ error: { message: 'bad', type: 'invalid_request_error' } }, undefined, new Map())).toEqual(
      {
        ok: true,
        value: { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } },
      },
    );
    expect(openAiToAnthropicResponse({ choices: [] }, undefined, new Map())).toEqual({
      ok: false,
      error: 'no choices in response',
    });
  });
});

/** Run an OpenAI SSE body through the openai-chat parser and the converter; returns [event, data] pairs. */
function convertStream(sse: string): [string, Record<string, unknown>][] {
  const chat = getProtocol('openai-chat')!;
  const conv = new AnthropicStreamConverter(new Map());
  let out = '';
  for (const ev of new SseDecoder().push(sse)) for (const e of conv.push(chat.parseSseEvent(ev))) out += encodeSseEvent(e);
  return new SseDecoder().push(out).map((e) => [e.event, JSON.parse(e.data) as Record<string, unknown>]);
}

const chunk = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;

describe('OpenAI chat stream → Anthropic events', () => {
  it('emits the Anthropic event sequence with usage from the trailing usage chunk', () => {
    const events = convertStream(
      chunk({
        id: 'c1',
        model: 'gpt-4o',
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      }) +
        chunk({ id: 'c1', choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] }) +
        chunk({ id: 'c1', choices: [{ index: 0, delta: { content: ' world' }, finish_reason: null }] }) +
        chunk({ id: 'c1', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
        chunk({ id: 'c1', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }) +
        'data: [DONE]\n\n',
    );
    expect(events.map((e) => e[0])).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]![1]).toEqual({
      type: 'message_start',
      message: {
        id: 'c1',
        type: 'message',
        role: 'assistant',
        model: 'gpt-4o',
        content: [],
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
    expect(events[2]![1]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } });
    expect(events[5]![1]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn' },
      usage: { input_tokens: 10, output_tokens: 5 },
    });
  });
  it('handles a double finish chunk (OpenRouter): one message_stop, no empty deltas', () => {
    const fin = (usage?: unknown) =>
      chunk({ id: 'g', choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }], ...(usage ? { usage } : {}) });
    const events = convertStream(
      chunk({ id: 'g', choices: [{ index: 0, delta: { content: 'Hi', role: 'assistant' }, finish_reason: null }] }) +
        fin() +
        fin({ prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 }) +
        'data: [DONE]\n\n',
    );
    expect(events.filter((e) => e[0] === 'message_stop')).toHaveLength(1);
    expect(events.filter((e) => e[0] === 'content_block_delta')).toHaveLength(1);
    expect(events.find((e) => e[0] === 'message_delta')![1].usage).toEqual({ input_tokens: 8, output_tokens: 2 });
  });
  it('streams tool calls as tool_use blocks with input_json_delta, and thinking blocks', () => {
    const events = convertStream(
      chunk({ id: 't', choices: [{ index: 0, delta: { reasoning_content: 'hmm' }, finish_reason: null }] }) +
        chunk({
          id: 't',
          choices: [
            { index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'get_weather', arguments: '' } }] } },
          ],
        }) +
        chunk({ id: 't', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] } }] }) +
        chunk({ id: 't', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }) +
        'data: [DONE]\n\n',
    );
    expect(events.map((e) => e[0])).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[4]![1]).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
    });
    expect(events[5]![1].delta).toEqual({ type: 'input_json_delta', partial_json: '{"a":1}' });
    expect(events[7]![1]).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use' } });
  });
  it('closes a stream that ended with [DONE] but no finish_reason', () => {
    const events = convertStream(
      chunk({ id: 'n', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] }) + 'data: [DONE]\n\n',
    );
    expect(events.map((e) => e[0])).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });
  it('produces nothing from a non-OpenAI stream (the gateway then answers 502)', () => {
    const conv = new AnthropicStreamConverter(new Map());
    const chat = getProtocol('openai-chat')!;
    for (const ev of new SseDecoder().push('event: message_start\ndata: {"type":"message_start"}\n\n'))
      conv.push(chat.parseSseEvent(ev));
    expect(conv.started).toBe(false);
  });
});
