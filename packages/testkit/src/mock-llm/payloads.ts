// OpenAI wire payloads, field for field as api.openai.com sends them (2025 shapes).

let seq = 0;
const nextId = (prefix: string): string => `${prefix}-mock${(++seq).toString(36).padStart(8, '0')}`;
const now = (): number => Math.floor(Date.now() / 1000);

export interface ChatParams {
  model: string;
  content: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** prompt_tokens_details.cached_tokens (default 0). */
  cachedTokens?: number;
  /** Answer with this function call instead of text (finish_reason tool_calls). */
  toolCall?: { name: string; arguments: string };
}

function usage(p: number, c: number, cached = 0) {
  return {
    prompt_tokens: p,
    completion_tokens: c,
    total_tokens: p + c,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** A `chat.completion` object. */
export function chatCompletion(p: ChatParams): object {
  return {
    id: nextId('chatcmpl'),
    object: 'chat.completion',
    created: now(),
    model: p.model,
    choices: [
      {
        index: 0,
        message: p.toolCall
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_mock0001', type: 'function', function: p.toolCall }],
              refusal: null,
              annotations: [],
            }
          : { role: 'assistant', content: p.content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: p.finishReason,
      },
    ],
    usage: usage(p.promptTokens, p.completionTokens, p.cachedTokens),
    service_tier: 'default',
    system_fingerprint: null,
  };
}

/** The `data:` payloads of a chat stream, `[DONE]` excluded. */
export function chatStreamEvents(p: ChatParams, pieces: string[], includeUsage: boolean): object[] {
  const id = nextId('chatcmpl');
  const created = now();
  const base = (choices: object[], u?: object | null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: p.model,
    service_tier: 'default',
    system_fingerprint: null,
    choices,
    ...(includeUsage ? { usage: u ?? null } : {}),
  });
  const choice = (delta: object, finish: string | null) => ({ index: 0, delta, logprobs: null, finish_reason: finish });
  const events: object[] = [base([choice({ role: 'assistant', content: p.toolCall ? null : '', refusal: null }, null)])];
  if (p.toolCall) {
    const head = { index: 0, id: 'call_mock0001', type: 'function', function: { name: p.toolCall.name, arguments: '' } };
    events.push(base([choice({ tool_calls: [head] }, null)]));
    events.push(base([choice({ tool_calls: [{ index: 0, function: { arguments: p.toolCall.arguments } }] }, null)]));
  } else for (const piece of pieces) events.push(base([choice({ content: piece }, null)]));
  events.push(base([choice({}, p.finishReason)]));
  if (includeUsage) events.push(base([], usage(p.promptTokens, p.completionTokens, p.cachedTokens)));
  return events;
}

/** Deterministic fake vector for an input text. */
export function vector(text: string, dims: number): number[] {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return Array.from({ length: dims }, (_, i) => Number((Math.sin(h + i) * 0.05).toFixed(8)));
}

/** An embeddings `list` object. */
export function embeddingsList(
  inputs: string[],
  model: string,
  dims: number,
  tokens: number,
  embed: (text: string, dims: number) => number[] = vector,
): object {
  return {
    object: 'list',
    data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: embed(t, dims) })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** A Vertex AI `predict` response for text embeddings. */
export function vertexPredict(contents: string[], dims: number, tokens: number): object {
  return {
    predictions: contents.map((t) => ({
      embeddings: { values: vector(t, dims), statistics: { token_count: tokens, truncated: false } },
    })),
    metadata: { billableCharacterCount: contents.join('').length },
  };
}

/** OpenAI's error body for a status. */
export function errorBody(status: number): object {
  if (status === 401) {
    return {
      error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    };
  }
  if (status === 429) {
    return { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
  }
  return {
    error: {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    },
  };
}
