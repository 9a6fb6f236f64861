import { describe, expect, it } from 'vitest';
import { deltaTexts, messageTexts, normaliseUsage, rawUsageOf } from './usage.js';

describe('usage extraction', () => {
  it('normalises OpenAI and Anthropic usage names', () => {
    expect(normaliseUsage({ prompt_tokens: 23, completion_tokens: 8, total_tokens: 31 })).toEqual({
      prompt_tokens: 23,
      completion_tokens: 8,
      total_tokens: 31,
    });
    expect(normaliseUsage({ input_tokens: 3, output_tokens: 4 })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
    });
    expect(normaliseUsage({})).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
  it('ignores null or missing usage', () => {
    expect(normaliseUsage(null)).toBeUndefined();
    expect(rawUsageOf({ usage: null })).toBeUndefined();
    expect(rawUsageOf({ usage: { a: 1 } })).toEqual({ a: 1 });
  });
  it('collects message and delta texts, tolerating null content', () => {
    expect(
      messageTexts({ choices: [{ message: { content: 'a' } }, { message: { content: null } }, { message: { content: 'b' } }] }),
    ).toEqual(['a', 'b']);
    expect(deltaTexts({ choices: [{ delta: { content: 'x' } }, { delta: {} }] })).toEqual(['x']);
    expect(deltaTexts('nope')).toEqual([]);
  });
});
