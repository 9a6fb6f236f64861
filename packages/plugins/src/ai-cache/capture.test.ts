import { describe, expect, it } from 'vitest';
import { Capture, captureFormat, streamCompleted } from './capture.js';

describe('streamCompleted', () => {
  it('accepts streams that end with their protocol terminal event and a blank line', () => {
    expect(streamCompleted('data: {"a":1}\n\ndata: [DONE]\n\n')).toBe(true);
    expect(streamCompleted('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    expect(streamCompleted('event: response.completed\ndata: {}\r\n\r\n')).toBe(true);
  });

  it('rejects cut or unterminated streams', () => {
    expect(streamCompleted('data: {"a":1}\n\n')).toBe(false);
    expect(streamCompleted('data: {"a":1}\n\ndata: [DONE]')).toBe(false);
    expect(streamCompleted('')).toBe(false);
  });
});

describe('captureFormat', () => {
  it('stores JSON answers as json and completed streams as sse; never SSE-looking JSON responses', () => {
    expect(captureFormat(false, '{"id":"x"}')).toBe('json');
    expect(captureFormat(false, 'data: [DONE]\n\n')).toBeUndefined();
    expect(captureFormat(true, 'data: [DONE]\n\n')).toBe('sse');
    expect(captureFormat(true, 'data: {}\n\n')).toBeUndefined();
  });
});

describe('Capture', () => {
  it('keeps chunks up to the limit and drops everything once over it', () => {
    const c = new Capture(5);
    c.add(Buffer.from('abc'));
    c.add(Buffer.from('de'));
    expect(c.text()).toBe('abcde');
    c.add(Buffer.from('f'));
    expect(c.oversized).toBe(true);
    expect(c.size).toBe(0);
  });
});
