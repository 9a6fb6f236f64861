// OpenAI Responses API wire payloads (api.openai.com /v1/responses, 2025 shapes).

let seq = 0;
const nextId = (prefix: string): string => `${prefix}_mock${(++seq).toString(36).padStart(12, '0')}`;

export interface ResponsesParams {
  model: string;
  content: string;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  instructions: string | null;
}

function usage(p: ResponsesParams) {
  return {
    input_tokens: p.inputTokens,
    input_tokens_details: { cached_tokens: p.cachedTokens },
    output_tokens: p.outputTokens,
    output_tokens_details: { reasoning_tokens: p.reasoningTokens },
    total_tokens: p.inputTokens + p.outputTokens,
  };
}

function responseObject(p: ResponsesParams, id: string, msgId: string, status: 'in_progress' | 'completed', text: string | null) {
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: null,
    instructions: p.instructions,
    max_output_tokens: null,
    model: p.model,
    output:
      text === null
        ? []
        : [
            {
              type: 'message',
              id: msgId,
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text, annotations: [] }],
            },
          ],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: status === 'completed' ? usage(p) : null,
    user: null,
    metadata: {},
  };
}

/** A whole `response` object. */
export function responsesResponse(p: ResponsesParams): object {
  return responseObject(p, nextId('resp'), nextId('msg'), 'completed', p.content);
}

/** The events of a Responses stream, in order: [event type, data]. */
export function responsesStreamEvents(p: ResponsesParams, pieces: string[]): [string, object][] {
  const id = nextId('resp');
  const msgId = nextId('msg');
  let n = 0;
  const ev = (type: string, data: object): [string, object] => [type, { type, sequence_number: n++, ...data }];
  const item = { id: msgId, type: 'message', status: 'in_progress', role: 'assistant', content: [] };
  const part = { type: 'output_text', text: '', annotations: [] };
  const out: [string, object][] = [
    ev('response.created', { response: responseObject(p, id, msgId, 'in_progress', null) }),
    ev('response.in_progress', { response: responseObject(p, id, msgId, 'in_progress', null) }),
    ev('response.output_item.added', { output_index: 0, item }),
    ev('response.content_part.added', { item_id: msgId, output_index: 0, content_index: 0, part }),
  ];
  for (const delta of pieces) {
    out.push(ev('response.output_text.delta', { item_id: msgId, output_index: 0, content_index: 0, delta, logprobs: [] }));
  }
  out.push(ev('response.output_text.done', { item_id: msgId, output_index: 0, content_index: 0, text: p.content, logprobs: [] }));
  out.push(
    ev('response.content_part.done', { item_id: msgId, output_index: 0, content_index: 0, part: { ...part, text: p.content } }),
  );
  out.push(
    ev('response.output_item.done', {
      output_index: 0,
      item: { ...item, status: 'completed', content: [{ ...part, text: p.content }] },
    }),
  );
  out.push(ev('response.completed', { response: responseObject(p, id, msgId, 'completed', p.content) }));
  return out;
}
