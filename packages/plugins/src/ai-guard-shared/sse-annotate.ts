/**
 * SSE helpers for guards wrapping a streamed answer: whether a chunk carries a JSON object
 * data frame, and adding a field to every such frame (APISIX final_packet's `risk_level`).
 */
const DATA_OBJECT = /^data: ?\{/m;

/** True when the chunk holds at least one `data:` line whose payload starts a JSON object. */
export function hasJsonDataFrame(chunk: string): boolean {
  return DATA_OBJECT.test(chunk);
}

/**
 * Set `field` to `value` in every `data:` line of `chunk` whose payload is a JSON object;
 * other lines (comments, [DONE], non-object data) are left as they are.
 */
export function annotateDataFrames(chunk: string, field: string, value: unknown): string {
  return chunk
    .split('\n')
    .map((line) => {
      if (!line.startsWith('data:')) return line;
      const payload = line.slice(line.startsWith('data: ') ? 6 : 5);
      if (!payload.startsWith('{')) return line;
      let obj: unknown;
      try {
        obj = JSON.parse(payload);
      } catch {
        return line;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return line;
      (obj as Record<string, unknown>)[field] = value;
      return `data: ${JSON.stringify(obj)}`;
    })
    .join('\n');
}
