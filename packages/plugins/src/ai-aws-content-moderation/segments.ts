/**
 * Splitting text into what DetectToxicContent accepts: at most 10 segments per call, each at
 * most 1 KB, the list at most 10 KB (10000 bytes kept as a margin, as APISIX does). Segments
 * end on UTF-8 character boundaries so no character is torn in half.
 */
export const MAX_SEGMENTS_PER_CALL = 10;
export const MAX_CALL_BYTES = 10000;

const isContinuation = (b: number): boolean => (b & 0xc0) === 0x80;

/** End (exclusive) of the segment of at most `limit` bytes starting at `from`. */
export function segmentEnd(bytes: Uint8Array, from: number, limit: number): number {
  const end = from + limit;
  if (end >= bytes.length) return bytes.length;
  let cut = end;
  // walk back over at most 3 continuation bytes to the start of the straddling character
  for (let i = 0; i < 3 && isContinuation(bytes[cut]!); i++) cut -= 1;
  if (cut <= from || isContinuation(bytes[cut]!)) return end; // not UTF-8: cut on the byte
  return cut;
}

/** The text split into batches of segments, one batch per Comprehend call. */
export function batches(text: string, limit: number): string[][] {
  const bytes = Buffer.from(text, 'utf8');
  const out: string[][] = [];
  let cursor = 0;
  while (cursor < bytes.length) {
    const batch: string[] = [];
    let size = 0;
    while (cursor < bytes.length && batch.length < MAX_SEGMENTS_PER_CALL) {
      const stop = segmentEnd(bytes, cursor, limit);
      const len = stop - cursor;
      if (batch.length > 0 && size + len > MAX_CALL_BYTES) break;
      batch.push(bytes.subarray(cursor, stop).toString('utf8'));
      size += len;
      cursor = stop;
    }
    out.push(batch);
  }
  return out;
}
