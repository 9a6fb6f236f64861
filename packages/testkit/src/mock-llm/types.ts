/** How the mock answers one request. Every field is optional; defaults come from MockLlmOptions. */
export interface MockBehavior {
  /** Answer with this status and an OpenAI-style JSON error body (e.g. 429, 500). */
  status?: number;
  /** Custom error body for `status` (object → JSON, string → raw). */
  errorBody?: unknown;
  /** Wait this long before writing the response head. */
  delayHeadersMs?: number;
  /** Number of content chunks in a stream. */
  chunks?: number;
  /** Pause between stream events. */
  intervalMs?: number;
  /** Destroy the socket after this many stream events (drop mid-stream). */
  dropAfterEvents?: number;
  /** Send no usage chunk even when stream_options.include_usage is set. */
  omitUsage?: boolean;
}

export interface MockLlmOptions {
  host?: string;
  port?: number;
  /** Serve HTTPS with this certificate (PEM strings). */
  tls?: { cert: string; key: string };
  /** Assistant answer; split into stream chunks by words. */
  content?: string;
  promptTokens?: number;
  completionTokens?: number;
  embeddingTokens?: number;
  /** Cached prompt tokens reported (OpenAI cached_tokens, Anthropic cache_read_input_tokens). Default 0. */
  cachedTokens?: number;
  /** Responses API output_tokens_details.reasoning_tokens. Default 0. */
  reasoningTokens?: number;
  embeddingDims?: number;
  /** Vector of one embeddings input (default: a hash-derived vector; see semantic-vectors.ts for similar-prompts-similar-vectors). */
  embedder?: (text: string, dims: number) => number[];
  /** Requested model → served model, e.g. gpt-4 → gpt-4-0613. */
  models?: Record<string, string>;
  /** Required API key: accepted as `Authorization: Bearer`, `api-key` header or `api_key`/`key` query. */
  apiKey?: string;
  healthPath?: string;
  /** Default behaviour, or a function choosing it per request. */
  behavior?: MockBehavior | ((req: RecordedRequest) => MockBehavior | undefined);
}

/** A request as the mock received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: unknown;
  receivedAt: number;
  /** Set when the mock wrote its last byte. */
  finishedAt?: number;
  /** True when the peer closed the connection before the mock finished. */
  aborted: boolean;
}

export interface MockLlm {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Replace the default behaviour for later requests. */
  setBehavior(b: MockLlmOptions['behavior']): void;
  close(): Promise<void>;
}
