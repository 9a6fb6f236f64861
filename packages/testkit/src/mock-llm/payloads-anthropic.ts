// Anthropic Messages API wire payloads (api.anthropic.com /v1/messages, 2025 shapes).

let seq = 0;
const nextId = (prefix: string): string => `${prefix}_mock${(++seq).toString(36).padStart(10, '0')}`;

export interface AnthropicParams {
  model: string;
  content: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  stopReason: 'end_turn' | 'max_tokens' | 'tool_use';
  /** Answer with this tool call instead of text. */
  toolUse?: { name: string; input: Record<string, unknown> };
}

function usage(p: AnthropicParams) {
  return {
    input_tokens: p.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: p.cacheReadTokens,
    output_tokens: p.outputTokens,
    service_tier: 'standard',
  };
}

function contentBlocks(p: AnthropicParams, id: string): object[] {
  if (p.toolUse) return [{ type: 'tool_use', id: `toolu_${id}`, name: p.toolUse.name, input: p.toolUse.input }];
  return [{ type: 'text', text: p.content }];
}

/** A whole `message` object. */
export function anthropicMessage(p: AnthropicParams): object {
  const id = nextId('msg');
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content: contentBlocks(p, id),
    stop_reason: p.stopReason,
    stop_sequence: null,
    usage: usage(p),
  };
}

/** The named events of a Messages stream, in order: [event type, data]. */
export function anthropicStreamEvents(p: AnthropicParams, pieces: string[]): [string, object][] {
  const id = nextId('msg');
  const u = usage(p);
  const ev: [string, object][] = [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model: p.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...u, output_tokens: 1 },
        },
      },
    ],
  ];
  if (p.toolUse) {
    ev.push([
      'content_block_start',
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: `toolu_${id}`, name: p.toolUse.name, input: {} },
      },
    ]);
    ev.push([
      'content_block_delta',
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(p.toolUse.input) },
      },
    ]);
  } else {
    ev.push(['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }]);
    ev.push(['ping', { type: 'ping' }]);
    for (const text of pieces) {
      ev.push(['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }]);
    }
  }
  ev.push(['content_block_stop', { type: 'content_block_stop', index: 0 }]);
  ev.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: p.stopReason, stop_sequence: null },
      usage: { output_tokens: p.outputTokens },
    },
  ]);
  ev.push(['message_stop', { type: 'message_stop' }]);
  return ev;
}

/** Anthropic's error body (`{"type":"error","error":{...}}`). */
export function anthropicError(type: string, message: string): object {
  return { type: 'error', error: { type, message } };
}
