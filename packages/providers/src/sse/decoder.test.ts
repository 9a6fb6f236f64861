import { describe, expect, it } from 'vitest';
import { SseDecoder } from './decoder.js';

function feed(parts: (string | Uint8Array)[]) {
  const d = new SseDecoder();
  return [...parts.flatMap((p) => d.push(p)), ...d.end()];
}

describe('SseDecoder', () => {
  it('decodes an event split across chunks', () => {
    expect(feed(['data: {"a"', ':1}\n', '\ndata: [DONE]\n\n'])).toEqual([
      { event: 'message', data: '{"a":1}', done: false },
      { event: 'message', data: '[DONE]', done: true },
    ]);
  });

  it('emits nothing until the blank line arrives', () => {
    const d = new SseDecoder();
    expect(d.push('data: x\n')).toEqual([]);
    expect(d.push('\n')).toEqual([{ event: 'message', data: 'x', done: false }]);
  });

  it('handles CRLF, including a CR and LF in different chunks', () => {
    expect(feed(['data: a\r', '\n\r', '\ndata: b\r\n\r\n'])).toEqual([
      { event: 'message', data: 'a', done: false },
      { event: 'message', data: 'b', done: false },
    ]);
  });

  it('accepts lone CR line endings', () => {
    expect(feed(['data: a\r\rdata: b\r\r'])).toEqual([
      { event: 'message', data: 'a', done: false },
      { event: 'message', data: 'b', done: false },
    ]);
  });

  it('skips comments and joins multi-line data', () => {
    expect(feed([': keep-alive\n\n', 'event: delta\nid: 7\nretry: 100\ndata: l1\ndata:l2\n\n'])).toEqual([
      { event: 'delta', data: 'l1\nl2', id: '7', retry: 100, done: false },
    ]);
  });

  it('reassembles a UTF-8 character split between chunks', () => {
    const bytes = Buffer.from('data: héllo\n\n');
    const cut = bytes.indexOf(0xa9); // second byte of "é"
    expect(feed([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual([{ event: 'message', data: 'héllo', done: false }]);
  });

  it('drops an unterminated event at end of stream', () => {
    expect(feed(['data: {"usage":{}}'])).toEqual([]);
  });

  it('decodes a byte-by-byte OpenAI stream with a final usage chunk', () => {
    const stream =
      'data: {"choices":[{"delta":{"content":"Hi"}}],"usage":null}\n\n' +
      'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}\n\n' +
      'data: [DONE]\n\n';
    const events = feed([...Buffer.from(stream)].map((b) => Uint8Array.of(b)));
    expect(events.map((e) => e.done)).toEqual([false, false, true]);
    expect(JSON.parse(events[1]!.data).usage.total_tokens).toBe(6);
  });
});
