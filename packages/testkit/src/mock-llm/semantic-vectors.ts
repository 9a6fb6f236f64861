/**
 * Embeddings in which similar prompts get similar vectors, for tests of semantic features
 * (ai-cache's L2 layer, ai-proxy-multi's semantic balancer): a bag of words hashed into
 * `dims` buckets. Words are lower-cased, stripped of punctuation, a trailing "s" and a small
 * stop-word list, so "What is the capital of France?" and "Tell me France's capital city"
 * share most of their mass while unrelated prompts share little.
 */
const STOP = new Set([
  'a',
  'an',
  'the',
  'is',
  'are',
  'of',
  'to',
  'me',
  'what',
  'whats',
  'please',
  'tell',
  'in',
  'for',
  'and',
  'i',
  'you',
  'do',
  'can',
]);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/'s\b/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '' && !STOP.has(w))
    .map((w) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w));
}

function bucket(word: string, dims: number): number {
  let h = 2166136261;
  for (const ch of word) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  // murmur3 fmix32: spread FNV's low bits before the modulo.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % dims;
}

/** Unit-length bag-of-words vector of `text` (all zeros but the first component when it has no words). */
export function bagOfWordsVector(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  const ws = words(text);
  if (ws.length === 0) {
    v[0] = 1;
    return v;
  }
  for (const w of ws) v[bucket(w, dims)]! += 1;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => Number((x / norm).toFixed(8)));
}
