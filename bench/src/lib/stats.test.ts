import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, summarize } from './stats.js';

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });
  it('takes the median of finite values only', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
  it('summarizes a distribution', () => {
    expect(summarize([1, 2, 3, 4])).toEqual({ n: 4, p50: 2, p90: 4, p99: 4, max: 4, mean: 2.5 });
  });
  it('returns NaN for a ratio over zero', () => {
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(3, 2)).toBe(1.5);
  });
});
