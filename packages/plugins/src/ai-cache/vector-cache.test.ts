import { describe, expect, it } from 'vitest';
import { packFloat32 } from '../ai-embeddings/vector.js';
import { dotUnit, unitFromFloat32, VectorCache } from './vector-cache.js';

describe('VectorCache', () => {
  it('drops the oldest vectors beyond maxFloats', () => {
    const c = new VectorCache(4);
    c.set('a', new Float32Array(2));
    c.set('b', new Float32Array(2));
    expect(c.size).toBe(2);
    c.set('c', new Float32Array(2));
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBeDefined();
    expect(c.get('c')).toBeDefined();
    c.delete('b');
    c.set('d', new Float32Array(2));
    expect(c.size).toBe(2);
  });
});

describe('unitFromFloat32 / dotUnit', () => {
  it('reads a stored FLOAT32 vector as unit length, rejecting a wrong dimension', () => {
    const v = unitFromFloat32(packFloat32([3, 4]), 2)!;
    expect(v[0]).toBeCloseTo(0.6, 6);
    expect(v[1]).toBeCloseTo(0.8, 6);
    expect(unitFromFloat32(packFloat32([3, 4]), 3)).toBeUndefined();
    expect(dotUnit(v, unitFromFloat32(packFloat32([6, 8]), 2)!)).toBeCloseTo(1, 6);
  });
});
