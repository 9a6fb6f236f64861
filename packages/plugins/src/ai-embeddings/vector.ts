/** Vector helpers shared by ai-cache (semantic layer) and ai-proxy-multi's semantic balancer. */

/** `vec` scaled to unit length; an all-zero vector stays all zeros (apisix/plugins/ai-proxy/semantic.lua). */
export function normalize(vec: readonly number[]): number[] {
  let sum = 0;
  for (const x of vec) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm === 0) return vec.map(() => 0);
  return vec.map((x) => x / norm);
}

/** Dot product over the common length. */
export function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Cosine similarity in [-1, 1] (0 when either vector is all zeros). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  return dot(normalize(a), normalize(b));
}

/** Little-endian float32 bytes of `vec` (the layout RediSearch's FLOAT32 vectors use). */
export function packFloat32(vec: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(vec.length * 4);
  for (let i = 0; i < vec.length; i++) buf.writeFloatLE(vec[i]!, i * 4);
  return buf;
}
