import { describe, expect, it } from 'vitest';
import { verdict } from './verdict.js';

const r = (Toxicity: number, labels: Record<string, number> = {}) => ({
  Toxicity,
  Labels: Object.entries(labels).map(([Name, Score]) => ({ Name, Score })),
});

describe('moderation verdict', () => {
  it('denies on toxicity strictly above the threshold', () => {
    expect(verdict([r(0.51)], new Map(), 0.5, 'request body')).toBe('request body exceeds toxicity threshold');
    expect(verdict([r(0.5)], new Map(), 0.5, 'request body')).toBeUndefined();
  });

  it('checks configured categories before toxicity, in label order', () => {
    const cats = new Map([
      ['PROFANITY', 0.5],
      ['INSULT', 0.1],
    ]);
    expect(verdict([r(0.9, { PROFANITY: 0.6, INSULT: 0.2 })], cats, 0.5, 'request body')).toBe(
      'request body exceeds PROFANITY threshold',
    );
    expect(verdict([r(0.9, { PROFANITY: 0.4 })], cats, 0.5, 'request body')).toBe('request body exceeds toxicity threshold');
  });

  it('looks at every segment result', () => {
    expect(verdict([r(0.1), r(0.1, { SEXUAL: 0.9 })], new Map([['SEXUAL', 0.8]]), 0.5, 'request body')).toBe(
      'request body exceeds SEXUAL threshold',
    );
    expect(verdict([r(0.1), r(0.2)], new Map(), 0.5, 'request body')).toBeUndefined();
  });
});
