import { describe, expect, it } from 'vitest';
import { chunkContent, streamEvents, streamText } from '../servers/mock-payloads.js';
import { SseReader, checkOrder } from './sse-check.js';

describe('SseReader', () => {
  it('reads every content event of a mock stream split at odd byte offsets', () => {
    const text = streamText(streamEvents(5), 1_000_000);
    const r = new SseReader();
    for (let i = 0; i < text.length; i += 7) r.push(text.slice(i, i + 7), i, 1_002_500);
    expect(r.tally.seqs).toEqual([0, 1, 2, 3, 4]);
    expect(r.tally.transits).toEqual([2.5, 2.5, 2.5, 2.5, 2.5]);
    expect(r.tally.done).toBe(true);
    expect(r.tally.usage).toBe(true);
  });
  it('uses the mock content format', () => {
    expect(chunkContent(12, 345)).toBe('t12@345 ');
  });
});

describe('checkOrder', () => {
  it('counts lost and reordered chunks', () => {
    expect(checkOrder([0, 1, 2, 3], 4)).toEqual({ lost: 0, reordered: 0 });
    expect(checkOrder([0, 2, 1, 3], 4)).toEqual({ lost: 0, reordered: 1 });
    expect(checkOrder([0, 1, 3], 4)).toEqual({ lost: 1, reordered: 0 });
  });
});
