import { describe, expect, it } from 'vitest';
import type { AiRunState } from './keys.js';
import { responseTextOf, scanTrailingUsage } from './usage-scan.js';

const scan = (s: string): unknown => scanTrailingUsage(Buffer.from(s));

describe('scanTrailingUsage (usage of a buffered answer without parsing it whole)', () => {
  it('reads the usage object that ends an OpenAI chat answer, as JSON.parse would', () => {
    const body = {
      id: 'x',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi "usage": {"prompt_tokens": 9}' } }],
      usage: { prompt_tokens: 12, completion_tokens: 64, total_tokens: 76, details: { cached: 1 } },
    };
    expect(scan(JSON.stringify(body))).toEqual(body.usage);
    expect(scan(JSON.stringify(body, null, 2) + '\n')).toEqual(body.usage);
  });

  it('takes the last of duplicate usage keys, like JSON.parse', () => {
    expect(scan('{"usage":{"prompt_tokens":1},"usage":{"prompt_tokens":2}}')).toEqual({ prompt_tokens: 2 });
  });

  it('gives up (caller parses whole) unless usage is the root object’s last member', () => {
    expect(scan('{"usage":{"prompt_tokens":1},"id":"x"}')).toBeUndefined();
    expect(scan('{"choices":[{"m":{"usage":{"prompt_tokens":1}}}]}')).toBeUndefined();
    expect(scan('{"a":{"usage":{"prompt_tokens":1}}}')).toBeUndefined();
    expect(scan('{"id":"x"}')).toBeUndefined();
    expect(scan('{"usage":null}')).toBeUndefined();
    expect(scan('[{"usage":{"prompt_tokens":1}}]')).toBeUndefined();
  });

  it('is not fooled by "usage" inside a string value or by braces in strings', () => {
    expect(scan('{"text":"x\\",\\"usage\\":{\\"prompt_tokens\\":5}}"}')).toBeUndefined();
    expect(scan('{"usage":{"note":"a } b \\" {","prompt_tokens":3}}')).toEqual({ note: 'a } b " {', prompt_tokens: 3 });
  });

  it('gives up on an answer with tool calls (their facts need the parsed choices)', () => {
    const body = { choices: [{ message: { tool_calls: [{ id: 't' }] } }], usage: { prompt_tokens: 1 } };
    expect(scan(JSON.stringify(body))).toBeUndefined();
  });

  it('gives up on a usage object that is not valid JSON', () => {
    expect(scan('{"usage":{"prompt_tokens":}}')).toBeUndefined();
    expect(scan('{"usage":{"prompt_tokens":1}')).toBeUndefined();
  });
});

describe('responseTextOf', () => {
  const state = (raw?: string): AiRunState => ({
    request: { body: {}, clientStream: false },
    stream: false,
    requestModel: undefined,
    model: undefined,
    ...(raw === undefined ? {} : { responseRaw: Buffer.from(raw) }),
  });

  it('extracts the joined message texts of a kept buffered answer on first read, once', () => {
    const st = state('{"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}}]}');
    expect(responseTextOf(st)).toBe('a b');
    expect(st.responseRaw).toBeUndefined();
    expect(responseTextOf(st)).toBe('a b');
  });

  it('prefers a text already set, and is undefined without texts or state', () => {
    expect(responseTextOf({ ...state('{"choices":[]}'), responseText: 'streamed' })).toBe('streamed');
    expect(responseTextOf(state('{"choices":[]}'))).toBeUndefined();
    expect(responseTextOf(state('{"choices":[{"message":{}}]}'))).toBe('');
    expect(responseTextOf(state('not json'))).toBeUndefined();
    expect(responseTextOf(undefined)).toBeUndefined();
  });
});
