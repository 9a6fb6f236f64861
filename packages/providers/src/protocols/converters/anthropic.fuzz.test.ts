import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseDecoder } from '../../sse/decoder.js';
import { getProtocol } from '../registry.js';
import { anthropicToOpenAiRequest } from './anthropic-request.js';
import { AnthropicStreamConverter, openAiToAnthropicResponse } from './anthropic-response.js';

// Client bodies and upstream answers are untrusted: the converters must return a value or a
// typed error for any JSON, never throw (a throw would be a 500 or a broken stream).

const block = fc.oneof(
  fc.jsonValue(),
  fc.record({
    type: fc.constantFrom('text', 'image', 'document', 'tool_use', 'tool_result', 'thinking'),
    text: fc.jsonValue(),
    source: fc.jsonValue(),
    id: fc.jsonValue(),
    name: fc.jsonValue(),
    input: fc.jsonValue(),
    tool_use_id: fc.jsonValue(),
    content: fc.jsonValue(),
  }),
);
const message = fc.oneof(
  fc.jsonValue(),
  fc.record({
    role: fc.oneof(fc.constantFrom('user', 'assistant'), fc.jsonValue()),
    content: fc.oneof(fc.string(), fc.array(block), fc.jsonValue()),
  }),
);
const request = fc.record(
  {
    model: fc.jsonValue(),
    system: fc.oneof(fc.string(), fc.array(block), fc.jsonValue()),
    messages: fc.oneof(fc.array(message, { minLength: 1 }), fc.jsonValue()),
    tools: fc.oneof(
      fc.array(fc.record({ name: fc.oneof(fc.string(), fc.jsonValue()), type: fc.jsonValue(), input_schema: fc.jsonValue() })),
      fc.jsonValue(),
    ),
    tool_choice: fc.jsonValue(),
    thinking: fc.jsonValue(),
    output_config: fc.jsonValue(),
    output_format: fc.jsonValue(),
    metadata: fc.jsonValue(),
    stream: fc.jsonValue(),
    max_tokens: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('Anthropic converter under arbitrary JSON', () => {
  it('converts or rejects any request body without throwing', () => {
    fc.assert(
      fc.property(request, (body) => {
        const r = anthropicToOpenAiRequest(body as Record<string, unknown>);
        if (r.ok) expect(Array.isArray(r.value.body.messages)).toBe(true);
        else expect(typeof r.error).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('converts or rejects any upstream response without throwing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (res) => {
        const r = openAiToAnthropicResponse(res, 'm', new Map());
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('turns any sequence of upstream SSE data into events without throwing, message_stop at most once', () => {
    const chat = getProtocol('openai-chat')!;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc.constant('[DONE]'),
            fc.string(),
          ),
        ),
        (datas) => {
          const conv = new AnthropicStreamConverter(new Map());
          let stops = 0;
          const sse = datas.map((d) => `data: ${d.replace(/[\r\n]/g, ' ')}\n\n`).join('');
          for (const ev of new SseDecoder().push(sse)) {
            for (const out of conv.push(chat.parseSseEvent(ev))) if (out.type === 'message_stop') stops++;
          }
          expect(stops).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
