import { describe, expect, it } from 'vitest';
import { canonicalMessages } from './messages.js';
import { contextMessages, embedText, hasNonText } from './semantic.js';

const match = { message_countback: 1, ignore_system_prompts: true, ignore_assistant_prompts: true, ignore_tool_prompts: true };
const convo = canonicalMessages('openai-chat', {
  messages: [
    { role: 'system', content: 'You are terse' },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'first answer' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'second' },
        { type: 'text', text: 'question' },
      ],
    },
  ],
});

describe('semantic window', () => {
  it('embeds the last user message; the rest becomes partition context', () => {
    expect(embedText(convo, match)).toBe('second question');
    expect(contextMessages(convo, match).map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
  });

  it('follows message_countback and the ignore_* switches', () => {
    expect(embedText(convo, { ...match, message_countback: 2 })).toBe('first question\nsecond question');
    expect(embedText(convo, { ...match, message_countback: 3, ignore_system_prompts: false })).toBe(
      'You are terse\nfirst question\nsecond question',
    );
    expect(embedText(convo, { ...match, message_countback: 2, ignore_assistant_prompts: false })).toBe(
      'first answer\nsecond question',
    );
  });
});

describe('hasNonText', () => {
  it('flags images, single non-text blocks and tool calls', () => {
    expect(hasNonText({ messages: [{ role: 'user', content: 'hi' }] })).toBe(false);
    expect(hasNonText({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] })).toBe(true);
    expect(hasNonText({ messages: [{ role: 'user', content: { type: 'input_audio' } }] })).toBe(true);
    expect(hasNonText({ messages: [{ role: 'assistant', tool_calls: [{ id: '1' }] }] })).toBe(true);
    expect(hasNonText({ messages: [{ role: 'assistant', tool_calls: [] }] })).toBe(false);
  });
});
