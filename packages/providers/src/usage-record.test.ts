import { describe, expect, it } from 'vitest';
import {
  chatHasToolCalls,
  chunkHasToolCalls,
  mergeUsage,
  openAiChatRequestFacts,
  openAiChatUsage,
  usageDetailsOf,
  usageRecord,
  usageVars,
} from './usage-record.js';

describe('openAiChatUsage', () => {
  it('reads cached and reasoning tokens from the OpenAI detail objects', () => {
    expect(
      openAiChatUsage({
        prompt_tokens: 120,
        completion_tokens: 40,
        total_tokens: 160,
        prompt_tokens_details: { cached_tokens: 100, cache_creation_input_tokens: 7 },
        completion_tokens_details: { reasoning_tokens: 32 },
      }),
    ).toEqual({
      prompt_tokens: 120,
      completion_tokens: 40,
      total_tokens: 160,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 7,
      reasoning_tokens: 32,
    });
  });

  it("falls back to DeepSeek's prompt_cache_hit_tokens and zeroes what is absent", () => {
    expect(openAiChatUsage({ prompt_tokens: 5, completion_tokens: 2, prompt_cache_hit_tokens: 3 })).toEqual({
      prompt_tokens: 5,
      completion_tokens: 2,
      total_tokens: 7,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 0,
    });
  });

  it('returns undefined for the null usage of non-final stream chunks', () => {
    expect(openAiChatUsage(null)).toBeUndefined();
    expect(openAiChatUsage([1])).toBeUndefined();
  });
});

describe('mergeUsage', () => {
  it('keeps earlier counts the later report leaves at 0 and raises the total to prompt + completion', () => {
    const first = usageRecord({ prompt_tokens: 30, completion_tokens: 0, total_tokens: 30 }, { cache_read_input_tokens: 10 });
    const second = usageRecord({ prompt_tokens: 0, completion_tokens: 12, total_tokens: 12 });
    expect(mergeUsage(first, second)).toEqual({
      prompt_tokens: 30,
      completion_tokens: 12,
      total_tokens: 42,
      cache_read_input_tokens: 10,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 0,
    });
  });

  it('copies the first report', () => {
    const r = usageRecord({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    const m = mergeUsage(undefined, r);
    expect(m).toEqual(r);
    expect(m).not.toBe(r);
  });
});

describe('usageVars', () => {
  it('names every count after its APISIX variable', () => {
    expect(
      usageVars(
        usageRecord(
          { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
          { reasoning_tokens: 4, cache_read_input_tokens: 5, cache_creation_input_tokens: 6 },
        ),
      ),
    ).toEqual({
      llm_prompt_tokens: 1,
      llm_completion_tokens: 2,
      llm_total_tokens: 3,
      llm_cache_read_input_tokens: 5,
      llm_cache_creation_input_tokens: 6,
      llm_reasoning_tokens: 4,
    });
  });
});

describe('request facts and tool calls', () => {
  it('counts tools and prefers safety_identifier over user for the end user', () => {
    expect(openAiChatRequestFacts({ tools: [{}, {}], user: 'u1', safety_identifier: 's1' })).toEqual({
      toolCount: 2,
      endUserId: 's1',
    });
    expect(openAiChatRequestFacts({ user: 'u1' })).toEqual({ toolCount: 0, endUserId: 'u1' });
    expect(openAiChatRequestFacts({ tools: {}, user: 7 })).toEqual({ toolCount: 0, endUserId: undefined });
  });

  it('detects non-empty tool_calls in messages and deltas only', () => {
    expect(chatHasToolCalls({ choices: [{ message: { tool_calls: [{ id: 'a' }] } }] })).toBe(true);
    expect(chatHasToolCalls({ choices: [{ message: { tool_calls: [] } }] })).toBe(false);
    expect(chunkHasToolCalls({ choices: [{ delta: { tool_calls: [{ index: 0 }] } }] })).toBe(true);
    expect(chunkHasToolCalls({ choices: [{ delta: { content: 'x' } }] })).toBe(false);
    expect(chunkHasToolCalls('x')).toBe(false);
  });
});

describe('usageDetailsOf', () => {
  it('reads cache and reasoning counts from OpenAI chat, Anthropic and Responses usage shapes', () => {
    expect(
      usageDetailsOf({ prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } }),
    ).toEqual({
      cache_read_input_tokens: 4,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 2,
    });
    expect(usageDetailsOf({ input_tokens: 9, cache_read_input_tokens: 5, cache_creation_input_tokens: 3 })).toEqual({
      cache_read_input_tokens: 5,
      cache_creation_input_tokens: 3,
      reasoning_tokens: 0,
    });
    expect(
      usageDetailsOf({ input_tokens_details: { cached_tokens: 6 }, output_tokens_details: { reasoning_tokens: 7 } }),
    ).toEqual({
      cache_read_input_tokens: 6,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 7,
    });
    expect(usageDetailsOf(undefined)).toEqual({
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 0,
    });
  });
});
