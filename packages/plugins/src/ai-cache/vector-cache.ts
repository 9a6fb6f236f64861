/**
 * Unit-length L2 vectors by entry key, kept in process memory. An entry's vector never changes
 * (its key holds the embedding model id, the dimension, the partition and the prompt's
 * fingerprint), so a vector read once from Redis is reused by every later search; only the
 * membership and the response are read per search. Beyond `maxFloats` components the oldest
 * vectors are dropped (first in, first out: a lookup costs one Map read).
 */
export class VectorCache {
  private readonly map = new Map<string, Float32Array>();
  private floats = 0;

  constructor(private readonly maxFloats: number) {}

  get(key: string): Float32Array | undefined {
    return this.map.get(key);
  }

  set(key: string, v: Float32Array): void {
    this.delete(key);
    this.map.set(key, v);
    this.floats += v.length;
    for (const [k, old] of this.map) {
      if (this.floats <= this.maxFloats) break;
      this.map.delete(k);
      this.floats -= old.length;
    }
  }

  delete(key: string): void {
    const v = this.map.get(key);
    if (v === undefined) return;
    this.map.delete(key);
    this.floats -= v.length;
  }

  get size(): number {
    return this.map.size;
  }
}

/** A stored FLOAT32 (little-endian) vector scaled to unit length; undefined when malformed. */
export function unitFromFloat32(buf: Buffer, dim: number): Float32Array | undefined {
  if (buf.length !== dim * 4) return undefined;
  const v = new Float32Array(dim);
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const x = buf.readFloatLE(i * 4);
    v[i] = x;
    sum += x * x;
  }
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < dim; i++) v[i] = v[i]! / norm;
  return v;
}

/** Dot product of a unit query and a unit stored vector: their cosine similarity. */
export function dotUnit(q: Float32Array, v: Float32Array): number {
  let d = 0;
  for (let i = 0; i < q.length; i++) d += q[i]! * v[i]!;
  return d;
}
