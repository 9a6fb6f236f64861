import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { detectProtocol, extractRequestContent, extractSystemContent, extractTurnContent, guardMessages } from './protocol.js';

const chat = {
  messages: [
    { role: 'system', content: 'sys prompt' },
    { role: 'developer', content: [{ type: 'text', text: 'dev prompt' }] },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'first answer' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'part a' },
        { type: 'image_url', image_url: { url: 'x' } },
        { type: 'text', text: 'part b' },
      ],
    },
    { role: 'tool', content: 'tool output' },
  ],
};

describe('guard protocol extraction', () => {
  it('detects chat by messages, embeddings by input, and names protocols it cannot read', () => {
    expect(detectProtocol(fakeContext(), { messages: [] })).toEqual({ supported: true, protocol: 'openai-chat' });
    expect(detectProtocol(fakeContext(), { input: 'x' })).toEqual({ supported: true, protocol: 'openai-embeddings' });
    expect(detectProtocol(fakeContext(), { prompt: 'x' })).toEqual({ supported: false, protocol: 'passthrough' });
    expect(detectProtocol(fakeContext({ uri: '/v1/messages' }), { messages: [] })).toEqual({
      supported: true,
      protocol: 'anthropic-messages',
    });
    expect(detectProtocol(fakeContext({ uri: '/api/v1/responses' }), { input: 'x' })).toEqual({
      supported: true,
      protocol: 'openai-responses',
    });
    expect(detectProtocol(fakeContext({ uri: '/model/m1/converse' }), { messages: [] })).toEqual({
      supported: true,
      protocol: 'bedrock-converse',
    });
    expect(detectProtocol(fakeContext({ uri: '/model/m1/converse' }), { prompt: 'x' })).toEqual({
      supported: false,
      protocol: 'passthrough',
    });
    const ctx = fakeContext();
    ctx.shared.set('ai_client_protocol', 'openai-responses');
    expect(detectProtocol(ctx, { messages: [] })).toEqual({ supported: true, protocol: 'openai-responses' });
    const other = fakeContext({ uri: '/v1/messages' });
    other.shared.set('ai_shared.state', { request: { protocol: { name: 'passthrough' } } });
    expect(detectProtocol(other, { messages: [] })).toEqual({ supported: false, protocol: 'passthrough' });
  });

  it('system content covers system and developer roles, text parts only', () => {
    expect(extractSystemContent('openai-chat', chat)).toEqual(['sys prompt', 'dev prompt']);
    expect(extractSystemContent('openai-embeddings', { input: 'x' })).toEqual([]);
  });

  it('mode all takes every selected-role message; last takes only the trailing run of selected roles', () => {
    const roles = new Set(['user', 'tool']);
    expect(extractTurnContent('openai-chat', chat, 'all', roles)).toEqual(['first question', 'part a', 'part b', 'tool output']);
    expect(extractTurnContent('openai-chat', chat, 'last', roles)).toEqual(['part a', 'part b', 'tool output']);
    // selecting assistant widens the trailing block past the assistant turn
    expect(extractTurnContent('openai-chat', chat, 'last', new Set(['user', 'tool', 'assistant']))).toEqual([
      'first question',
      'first answer',
      'part a',
      'part b',
      'tool output',
    ]);
    // a trailing message of an unselected role ends with an empty block
    expect(extractTurnContent('openai-chat', chat, 'last', new Set(['user']))).toEqual([]);
  });

  it('embeddings input is user content, string or array of strings', () => {
    expect(extractTurnContent('openai-embeddings', { input: ['a', 1, 'b'] }, 'all', new Set(['user']))).toEqual(['a', 'b']);
    expect(extractTurnContent('openai-embeddings', { input: 'a' }, 'all', new Set(['tool']))).toEqual([]);
    expect(extractRequestContent('openai-embeddings', { input: 'a' })).toEqual(['a']);
  });

  it('guard messages keep roles, flatten parts with a space and drop empty or role-less turns', () => {
    const msgs = guardMessages('openai-chat', {
      messages: [...chat.messages, { role: 'user', content: '' }, { content: 'no role' }, { role: 'user', content: 42 }],
    });
    expect(msgs).toEqual([
      { role: 'system', content: 'sys prompt' },
      { role: 'developer', content: 'dev prompt' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'part a part b' },
      { role: 'tool', content: 'tool output' },
    ]);
  });

  it('guard messages fall back to one user turn of all texts (embeddings arrays), or nothing', () => {
    expect(guardMessages('openai-embeddings', { input: ['a', 'b'] })).toEqual([{ role: 'user', content: 'a b' }]);
    expect(guardMessages('openai-embeddings', { input: 'q' })).toEqual([{ role: 'user', content: 'q' }]);
    expect(guardMessages('openai-chat', { messages: [{ role: 'user', content: '' }] })).toEqual([]);
  });

  it('anthropic: top-level system (string or text blocks), turns by role, system string as a message', () => {
    const body = {
      system: [
        { type: 'text', text: 'sys a' },
        { type: 'text', text: 'sys b' },
      ],
      messages: [
        { role: 'user', content: 'q1' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'a1' },
            { type: 'tool_use', id: 't', name: 'f', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't', content: 'hidden' },
            { type: 'text', text: 'q2' },
          ],
        },
      ],
    };
    expect(extractSystemContent('anthropic-messages', body)).toEqual(['sys a', 'sys b']);
    expect(extractTurnContent('anthropic-messages', body, 'last', new Set(['user']))).toEqual(['q2']);
    expect(extractTurnContent('anthropic-messages', body, 'all', new Set(['user', 'assistant']))).toEqual(['q1', 'a1', 'q2']);
    expect(guardMessages('anthropic-messages', { ...body, system: 'be brief' })).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ]);
  });

  it('responses: instructions and system items, string items as user, tool outputs as tool turns', () => {
    const body = {
      instructions: 'be brief',
      input: [
        { role: 'developer', content: 'dev' },
        'plain user text',
        { role: 'user', content: [{ type: 'input_text', text: 'q' }] },
        { type: 'function_call_output', call_id: 'c', output: 'tool said' },
      ],
    };
    expect(extractSystemContent('openai-responses', body)).toEqual(['be brief', 'dev']);
    expect(extractTurnContent('openai-responses', body, 'last', new Set(['user', 'tool']))).toEqual([
      'plain user text',
      'q',
      'tool said',
    ]);
    expect(extractTurnContent('openai-responses', { input: 'hi' }, 'all', new Set(['user']))).toEqual(['hi']);
    expect(guardMessages('openai-responses', body)).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'developer', content: 'dev' },
      { role: 'user', content: 'plain user text' },
      { role: 'user', content: 'q' },
      { role: 'user', content: 'tool said' },
    ]);
  });

  it('bedrock converse: system blocks, turns by role, block texts only', () => {
    const body = {
      system: [{ text: 'sys' }],
      messages: [
        { role: 'user', content: [{ text: 'q1' }, { image: {} }] },
        { role: 'assistant', content: [{ text: 'a1' }] },
        { role: 'user', content: [{ text: 'q2' }] },
      ],
    };
    expect(extractSystemContent('bedrock-converse', body)).toEqual(['sys']);
    expect(extractTurnContent('bedrock-converse', body, 'last', new Set(['user']))).toEqual(['q2']);
    expect(extractRequestContent('bedrock-converse', body)).toEqual(['q1', 'a1', 'q2']);
    expect(guardMessages('bedrock-converse', body)).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ]);
  });
});
