import { describe, expect, it } from 'vitest';
import { costMicros, formatMoney, PriceTable, toMicros } from './prices.js';

const table = new PriceTable({
  currency: 'EUR',
  prices: {
    'gpt-4o': { input: 2.5, output: 10, cached_input: 1.25 },
    'gpt-4o*': { input: 0.15, output: 0.6 },
    'gpt-*': { input: 1, output: 2 },
    '*-haiku': { input: 0.8, output: 4 },
  },
  default_price: { input: 3, output: 15 },
});

describe('ai-budget price table', () => {
  it('prefers an exact model name over any wildcard', () => {
    expect(table.priceOf('gpt-4o')).toEqual({ input: 2.5, output: 10, cached_input: 1.25 });
  });

  it('picks the longest matching wildcard', () => {
    expect(table.priceOf('gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(table.priceOf('gpt-3.5-turbo')).toEqual({ input: 1, output: 2 });
    expect(table.priceOf('claude-3-haiku')).toEqual({ input: 0.8, output: 4 });
  });

  it('falls back to default_price, and to nothing without one', () => {
    expect(table.priceOf('mistral-large')).toEqual({ input: 3, output: 15 });
    expect(table.priceOf(undefined)).toEqual({ input: 3, output: 15 });
    expect(new PriceTable({ currency: 'USD', prices: {} }).priceOf('x')).toBeUndefined();
    expect(table.currency).toBe('EUR');
  });

  it('a wildcard never matches a name shorter than its fixed parts', () => {
    const t = new PriceTable({ currency: 'USD', prices: { 'ab*ba': { input: 1, output: 1 } } });
    expect(t.priceOf('aba')).toBeUndefined();
    expect(t.priceOf('abba')).toEqual({ input: 1, output: 1 });
  });
});

describe('ai-budget cost', () => {
  it('prices per 1M tokens are micro-units per token', () => {
    // 1000 prompt × 2.5 + 500 completion × 10 = 7500 micro = 0.0075
    expect(costMicros({ input: 2.5, output: 10 }, { promptTokens: 1000, completionTokens: 500, cachedPromptTokens: 0 })).toBe(
      7500,
    );
  });

  it('charges cached prompt tokens at the cached price, never more of them than the prompt had', () => {
    const price = { input: 2.5, output: 10, cached_input: 1.25 };
    expect(costMicros(price, { promptTokens: 1000, completionTokens: 0, cachedPromptTokens: 400 })).toBe(600 * 2.5 + 400 * 1.25);
    expect(costMicros(price, { promptTokens: 100, completionTokens: 0, cachedPromptTokens: 400 })).toBe(125);
  });

  it('rounds a fraction of a micro-unit up, so no call is free by rounding', () => {
    expect(costMicros({ input: 0.15, output: 0 }, { promptTokens: 3, completionTokens: 0, cachedPromptTokens: 0 })).toBe(1);
  });

  it('formats micro-units as currency without float noise', () => {
    expect(formatMoney(7500)).toBe('0.0075');
    expect(formatMoney(toMicros(10))).toBe('10');
    expect(formatMoney(toMicros(0.1) + toMicros(0.2))).toBe('0.3');
    expect(formatMoney(-1500000)).toBe('-1.5');
  });
});
