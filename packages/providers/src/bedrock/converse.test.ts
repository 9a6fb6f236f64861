import { describe, expect, it } from 'vitest';
import { openAiChatToConverse } from './converse-request.js';
import { converseTexts, converseToOpenAiChat, converseUsage } from './converse-response.js';
import { ConverseToOpenAiStream, deltaText, readConverseFrame, sseBytes, streamUsage } from './converse-stream.js';
import { decodeFrame, encodeFrame } from './eventstream.js';
import { bedrockPath, checkBedrockConf, isConverseRequest } from './protocol.js';

const who = { id: 'chatcmpl-1', created: 1700000000, model: 'anthropic.claude-3-5-sonnet-20241022-v2:0' };

describe('OpenAI chat → Converse request', () => {
  it('moves system messages to system, text to content blocks, sampling to inferenceConfig', () => {
    const r = openAiChatToConverse({
      model: 'x',
      stream: true,
      messages: [
        { role: 'system', content: 'You are a mathematician' },
        { role: 'user', content: 'What is 1+1?' },
      ],
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      stop: 'END',
    });
    expect(r).toEqual({
      ok: true,
      value: {
        system: [{ text: 'You are a mathematician' }],
        messages: [{ role: 'user', content: [{ text: 'What is 1+1?' }] }],
        inferenceConfig: { maxTokens: 100, temperature: 0.5, topP: 0.9, stopSequences: ['END'] },
      },
    });
  });

  it('prefers max_completion_tokens and keeps stop arrays', () => {
    const r = openAiChatToConverse({
      messages: [{ role: 'user', content: 'q' }],
      max_tokens: 1,
      max_completion_tokens: 2,
      stop: ['a', 'b'],
    });
    expect(r.ok && r.value.inferenceConfig).toEqual({ maxTokens: 2, stopSequences: ['a', 'b'] });
  });

  it('converts tools, tool calls and tool results, merging consecutive same-role turns', () => {
    const r = openAiChatToConverse({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'wx', arguments: '{"city":"Oslo"}' } }],
        },
        { role: 'tool', tool_call_id: 't1', content: 'cold' },
        { role: 'user', content: 'thanks' },
      ],
      tools: [{ type: 'function', function: { name: 'wx', description: 'weather', parameters: { type: 'object' } } }],
      tool_choice: 'required',
    });
    expect(r).toEqual({
      ok: true,
      value: {
        messages: [
          { role: 'user', content: [{ text: 'weather?' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'wx', input: { city: 'Oslo' } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'cold' }] } }, { text: 'thanks' }] },
        ],
        toolConfig: {
          tools: [{ toolSpec: { name: 'wx', description: 'weather', inputSchema: { json: { type: 'object' } } } }],
          toolChoice: { any: {} },
        },
      },
    });
  });

  it('converts base64 data-URL images and refuses remote image URLs', () => {
    const ok = openAiChatToConverse({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }],
    });
    expect(ok.ok && ok.value.messages).toEqual([
      { role: 'user', content: [{ image: { format: 'png', source: { bytes: 'AAAA' } } }] },
    ]);
    const bad = openAiChatToConverse({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
    });
    expect(bad.ok).toBe(false);
  });

  it('rejects malformed messages with a reason', () => {
    expect(openAiChatToConverse({ messages: 'hi' })).toEqual({ ok: false, error: 'messages must be an array' });
    expect(openAiChatToConverse({ messages: [{ role: 'wizard', content: 'x' }] })).toEqual({
      ok: false,
      error: 'messages[0]: unsupported role "wizard"',
    });
    expect(
      openAiChatToConverse({
        messages: [{ role: 'assistant', tool_calls: [{ id: 'a', function: { name: 'f', arguments: '{' } }] }],
      }),
    ).toEqual({ ok: false, error: 'messages[0].tool_calls[0]: function.arguments is not valid JSON' });
  });

  it("drops tools when tool_choice is 'none'", () => {
    const r = openAiChatToConverse({
      messages: [{ role: 'user', content: 'q' }],
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'none',
    });
    expect(r.ok && r.value.toolConfig).toBeUndefined();
  });
});

const converse = {
  output: { message: { role: 'assistant', content: [{ text: 'Hello!' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 13, outputTokens: 5, totalTokens: 18 },
  metrics: { latencyMs: 100 },
};

describe('Converse response → OpenAI chat', () => {
  it('maps text, finish reason and usage', () => {
    expect(converseToOpenAiChat(converse, who)).toEqual({
      ok: true,
      value: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1700000000,
        model: who.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 },
      },
    });
  });

  it('maps toolUse blocks to tool_calls and max_tokens to length', () => {
    const r = converseToOpenAiChat(
      {
        output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'f', input: { a: 1 } } }] } },
        stopReason: 'tool_use',
      },
      who,
    );
    expect(r.ok && r.value.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        finish_reason: 'tool_calls',
      },
    ]);
    const len = converseToOpenAiChat({ ...converse, stopReason: 'max_tokens' }, who);
    expect(len.ok && (len.value.choices as { finish_reason: string }[])[0]!.finish_reason).toBe('length');
  });

  it('refuses a body without output.message', () => {
    expect(converseToOpenAiChat({ message: 'x' }, who)).toEqual({ ok: false, error: 'response has no output.message' });
  });

  it('reads usage and texts as bedrock-converse.lua does', () => {
    expect(converseUsage({ inputTokens: 3, outputTokens: 4 })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
    });
    expect(converseUsage({})).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(converseUsage(null)).toBeUndefined();
    expect(converseTexts({ output: { message: { content: [{ text: 'a' }, { image: {} }, { text: 'b' }] } } })).toEqual([
      'a',
      'b',
    ]);
  });
});

const ev = (type: string, payload: unknown) =>
  readConverseFrame(
    decodeFrame(
      encodeFrame(
        { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
        Buffer.from(JSON.stringify(payload)),
      ),
    ),
  );

describe('ConverseStream → OpenAI chunks', () => {
  it('converts a text stream with usage and [DONE]', () => {
    const c = new ConverseToOpenAiStream(who);
    const out = [
      ev('messageStart', { role: 'assistant' }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'lo' } }),
      ev('contentBlockStop', { contentBlockIndex: 0 }),
      ev('messageStop', { stopReason: 'end_turn' }),
      ev('metadata', { usage: { inputTokens: 9, outputTokens: 2, totalTokens: 11 }, metrics: { latencyMs: 1 } }),
    ].flatMap((e) => c.convert(e));
    expect(out.at(-1)).toBe('[DONE]');
    const chunks = out.slice(0, -1).map((s) => JSON.parse(s) as Record<string, unknown>);
    expect(chunks.map((x) => (x.choices as { delta?: unknown; finish_reason?: unknown }[])[0] ?? null)).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null },
      { index: 0, delta: { content: 'Hel' }, finish_reason: null },
      { index: 0, delta: { content: 'lo' }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'stop' },
      null,
    ]);
    expect(chunks[4]).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
    });
    expect(chunks.every((x) => x.id === 'chatcmpl-1' && x.model === who.model)).toBe(true);
    expect(c.done).toBe(true);
  });

  it('streams tool calls with their index, id, name and argument deltas', () => {
    const c = new ConverseToOpenAiStream(who);
    const out = [
      ev('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 't1', name: 'wx' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"c":' } } }),
    ].flatMap((e) => c.convert(e));
    expect(out.map((s) => (JSON.parse(s) as { choices: { delta: unknown }[] }).choices[0]!.delta)).toEqual([
      { tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'wx', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"c":' } }] },
    ]);
  });

  it('turns an exception frame into an OpenAI error event and ends the stream', () => {
    const frame = encodeFrame(
      { ':exception-type': 'throttlingException', ':content-type': 'application/json', ':message-type': 'exception' },
      Buffer.from('{"message":"Too many requests"}'),
    );
    const e = readConverseFrame(decodeFrame(frame));
    expect(e).toEqual({ kind: 'exception', type: 'throttlingException', message: 'Too many requests' });
    const c = new ConverseToOpenAiStream(who);
    expect(c.convert(e)).toEqual(['{"error":{"message":"Too many requests","type":"throttlingException"}}', '[DONE]']);
    expect(c.finish()).toEqual([]);
  });

  it('observes text deltas and metadata usage on the side', () => {
    expect(deltaText(ev('contentBlockDelta', { delta: { text: 'x' } }))).toBe('x');
    expect(deltaText(ev('contentBlockDelta', { delta: { toolUse: { input: '{' } } }))).toBeUndefined();
    expect(streamUsage(ev('metadata', { usage: { inputTokens: 1, outputTokens: 2 } }))).toEqual({
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      raw: { inputTokens: 1, outputTokens: 2 },
    });
  });

  it('frames payloads as SSE', () => {
    expect(sseBytes(['{"a":1}', '[DONE]']).toString()).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
  });
});

describe('bedrock protocol, paths and conf checks', () => {
  it('detects Converse clients by a /converse URI suffix and a messages table', () => {
    expect(isConverseRequest('/ai/converse', { messages: [] })).toBe(true);
    expect(isConverseRequest('/ai/converse', { input: 'x' })).toBe(false);
    expect(isConverseRequest('/v1/chat/completions', { messages: [] })).toBe(false);
    expect(isConverseRequest('/ai/converse-stream', { messages: [] })).toBe(false);
  });

  it('builds /model/<id>/converse[-stream] with the id as one encoded segment', () => {
    expect(bedrockPath('anthropic.claude-3-5-sonnet-20241022-v2:0', false)).toBe(
      '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse',
    );
    expect(bedrockPath('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/test123', true)).toBe(
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Ftest123/converse-stream',
    );
    expect(bedrockPath(undefined, false)).toBeUndefined();
    expect(bedrockPath('', false)).toBeUndefined();
  });

  it('requires provider_conf.region, then auth.aws, with APISIX strings', () => {
    expect(checkBedrockConf({ auth: { aws: {} } })).toBe('bedrock requires provider_conf.region');
    expect(checkBedrockConf({ provider_conf: { region: 'us-east-1' }, auth: {} })).toBe('bedrock requires auth.aws');
    expect(checkBedrockConf({ provider_conf: { region: 'us-east-1' }, auth: { aws: {} } })).toBeUndefined();
  });
});
