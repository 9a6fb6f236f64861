import { describe, expect, it } from 'vitest';
import { batches, segmentEnd } from './segments.js';

describe('Comprehend segmenting', () => {
  it('keeps short text as one segment in one call', () => {
    expect(batches('hello', 1000)).toEqual([['hello']]);
  });

  it('splits on the byte limit and never tears a multibyte character', () => {
    const text = 'é'.repeat(600); // 1200 bytes
    const out = batches(text, 1000);
    expect(out).toHaveLength(1);
    expect(out[0]!.map((s) => Buffer.byteLength(s))).toEqual([1000, 200]);
    expect(out[0]!.join('')).toBe(text);
    const emoji = '😀'.repeat(3); // 4 bytes each
    expect(batches(emoji, 6)).toEqual([['😀', '😀', '😀']]);
  });

  it('starts a new call after ten segments', () => {
    const out = batches('a'.repeat(25), 2);
    expect(out.map((b) => b.length)).toEqual([10, 3]);
    expect(out.flat().join('')).toBe('a'.repeat(25));
  });

  it('keeps a call’s total under 10000 bytes', () => {
    const out = batches('b'.repeat(12000), 1024);
    for (const b of out) expect(b.reduce((n, s) => n + s.length, 0)).toBeLessThanOrEqual(10000);
    expect(out.map((b) => b.length)).toEqual([9, 3]);
  });

  it('cuts on the byte when the bytes are not UTF-8', () => {
    const bytes = Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
    expect(segmentEnd(bytes, 0, 4)).toBe(4);
  });
});
