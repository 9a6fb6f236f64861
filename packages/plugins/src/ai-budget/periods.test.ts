import { describe, expect, it } from 'vitest';
import { periodWindow, secondsLeft } from './periods.js';

describe('ai-budget periods (UTC calendar windows)', () => {
  it('a day window is the UTC date and ends at the next midnight', () => {
    const now = Date.UTC(2026, 11, 6, 23, 59, 30);
    const w = periodWindow('day', now);
    expect(w).toEqual({ id: '2026-12-06', endMs: Date.UTC(2026, 11, 7) });
    expect(secondsLeft(w, now)).toBe(30);
  });

  it('a month window rolls December over into the next year', () => {
    const w = periodWindow('month', Date.UTC(2026, 11, 31, 12));
    expect(w).toEqual({ id: '2026-12', endMs: Date.UTC(2027, 0, 1) });
  });

  it('the last day of February ends on March 1st', () => {
    expect(periodWindow('day', Date.UTC(2028, 1, 29, 5)).endMs).toBe(Date.UTC(2028, 2, 1));
    expect(periodWindow('month', Date.UTC(2028, 1, 29, 5)).id).toBe('2028-02');
  });

  it('seconds left is never below one, even at the boundary', () => {
    const w = periodWindow('day', Date.UTC(2026, 0, 1));
    expect(secondsLeft(w, w.endMs)).toBe(1);
  });
});
