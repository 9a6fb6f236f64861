import { describe, expect, it } from 'vitest';
import { cosine, dot, normalize, packFloat32 } from './vector.js';

describe('vector helpers', () => {
  it('normalizes to unit length and keeps an all-zero vector at zero', () => {
    expect(normalize([3, 4])).toEqual([0.6, 0.8]);
    expect(normalize([0, 0])).toEqual([0, 0]);
  });

  it('computes cosine similarity independent of magnitude', () => {
    expect(cosine([1, 0], [5, 0])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0, 2])).toBe(0);
    expect(cosine([1, 1], [-1, -1])).toBeCloseTo(-1, 12);
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
  });

  it('packs little-endian float32', () => {
    const b = packFloat32([1, -0.5]);
    expect(b.length).toBe(8);
    expect(b.readFloatLE(0)).toBe(1);
    expect(b.readFloatLE(4)).toBe(-0.5);
  });
});
