import { describe, expect, it } from 'vitest';
import { annotateDataFrames, hasJsonDataFrame } from './sse-annotate.js';

describe('SSE annotation', () => {
  it('finds JSON object data frames only', () => {
    expect(hasJsonDataFrame('data: {"a":1}\n\n')).toBe(true);
    expect(hasJsonDataFrame(': keep-alive\n\ndata: [DONE]\n\n')).toBe(false);
    expect(hasJsonDataFrame('event: x\ndata:{"a":1}\n\n')).toBe(true);
  });

  it('adds the field to JSON object frames and leaves everything else byte for byte', () => {
    const chunk = 'data: {"a":1}\n\ndata: 12345\n\ndata: {bad\n\n: comment\ndata: [DONE]\n\n';
    expect(annotateDataFrames(chunk, 'risk_level', 'high')).toBe(
      'data: {"a":1,"risk_level":"high"}\n\ndata: 12345\n\ndata: {bad\n\n: comment\ndata: [DONE]\n\n',
    );
  });
});
