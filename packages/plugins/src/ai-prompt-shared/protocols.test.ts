import { describe, expect, it } from 'vitest';
import { addMessages, detectProtocol, getMessages, type PromptMessage } from './protocols.js';

const SYS: PromptMessage = { role: 'system', content: 'Answer briefly.' };
const USER: PromptMessage = { role: 'user', content: 'End with an analogy.' };

describe('detectProtocol (ai-protocols/init.lua detection order)', () => {
  it('uses the URI for bedrock, anthropic and responses before the body-only protocols', () => {
    expect(detectProtocol({ messages: [] }, '/model/x/converse')).toBe('bedrock-converse');
    expect(detectProtocol({ messages: [] }, '/v1/messages')).toBe('anthropic-messages');
    expect(detectProtocol({ input: 'hi' }, '/v1/responses')).toBe('openai-responses');
    expect(detectProtocol({ messages: [] }, '/v1/responses')).toBe('openai-chat');
    expect(detectProtocol({ messages: [] }, '/anything')).toBe('openai-chat');
    expect(detectProtocol({ input: 'hi' }, '/anything')).toBe('openai-embeddings');
    expect(detectProtocol({ foo: 'bar' }, '/anything')).toBe('passthrough');
    expect(detectProtocol({}, '/anything')).toBeUndefined();
    expect(detectProtocol('text', '/anything')).toBeUndefined();
  });
});

describe('getMessages', () => {
  it('flattens chat text parts and skips messages without text', () => {
    const body = {
      messages: [
        { role: 'system', content: 'sys' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image_url', image_url: {} },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'user', content: [{ type: 'image_url', image_url: {} }] },
        { role: 'user', content: 'last' },
      ],
    };
    expect(getMessages('openai-chat', body)).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'assistant', content: 'a b' },
      { role: 'user', content: 'last' },
    ]);
  });

  it('reads anthropic system, responses instructions/input and bedrock blocks', () => {
    expect(getMessages('anthropic-messages', { system: 'S', messages: [{ role: 'user', content: 'U' }] })).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
    ]);
    expect(
      getMessages('openai-responses', {
        instructions: 'I',
        input: [
          'plain',
          { role: 'assistant', content: [{ type: 'output_text', text: 'x' }] },
          { type: 'function_call_output', output: 'tool' },
        ],
      }),
    ).toEqual([
      { role: 'system', content: 'I' },
      { role: 'user', content: 'plain' },
      { role: 'assistant', content: 'x' },
      { role: 'user', content: 'tool' },
    ]);
    expect(
      getMessages('bedrock-converse', {
        system: [{ text: 'a' }, { text: 'b' }],
        messages: [{ role: 'user', content: [{ text: 'q' }] }],
      }),
    ).toEqual([
      { role: 'system', content: 'a b' },
      { role: 'user', content: 'q' },
    ]);
    expect(getMessages('openai-embeddings', { input: 'e' })).toEqual([{ role: 'user', content: 'e' }]);
    expect(getMessages('passthrough', { messages: [{ role: 'user', content: 'x' }] })).toEqual([]);
  });
});

describe('addMessages', () => {
  it('prepends and appends chat messages, creating messages for a body without a protocol', () => {
    const body: Record<string, unknown> = { messages: [{ role: 'user', content: 'q' }] };
    expect(addMessages('openai-chat', body, [SYS], 'prepend')).toBe(true);
    expect(addMessages('openai-chat', body, [USER], 'append')).toBe(true);
    expect(body.messages).toEqual([SYS, { role: 'user', content: 'q' }, USER]);
    const empty: Record<string, unknown> = {};
    addMessages(undefined, empty, [SYS], 'prepend');
    expect(empty).toEqual({ messages: [SYS] });
  });

  it('keeps only role and content for anthropic', () => {
    const body: Record<string, unknown> = { messages: [] };
    addMessages('anthropic-messages', body, [{ ...USER, extra: 1 }], 'append');
    expect(body.messages).toEqual([{ role: 'user', content: USER.content }]);
  });

  it('joins prompts with newlines into responses instructions and input', () => {
    const body: Record<string, unknown> = { instructions: 'old', input: 'hi' };
    addMessages('openai-responses', body, [SYS, USER], 'prepend');
    addMessages('openai-responses', body, [USER], 'append');
    expect(body).toEqual({ instructions: `${SYS.content}\n${USER.content}\nold`, input: `hi\n${USER.content}` });
    const arr: Record<string, unknown> = { input: [{ role: 'user', content: 'x' }] };
    addMessages('openai-responses', arr, [USER], 'append');
    expect(arr.input).toEqual([
      { role: 'user', content: 'x' },
      { type: 'message', role: 'user', content: USER.content },
    ]);
  });

  it('puts bedrock system prompts into system blocks and the rest into messages', () => {
    const body: Record<string, unknown> = { system: [{ text: 'old' }], messages: [{ role: 'user', content: [{ text: 'q' }] }] };
    addMessages('bedrock-converse', body, [SYS, USER], 'prepend');
    expect(body).toEqual({
      system: [{ text: SYS.content }, { text: 'old' }],
      messages: [
        { role: 'user', content: [{ text: USER.content }] },
        { role: 'user', content: [{ text: 'q' }] },
      ],
    });
  });

  it('leaves embeddings and passthrough bodies alone', () => {
    const body = { input: 'x' };
    expect(addMessages('openai-embeddings', body, [SYS], 'prepend')).toBe(false);
    expect(addMessages('passthrough', body, [SYS], 'append')).toBe(false);
    expect(body).toEqual({ input: 'x' });
  });
});
