import { Agent, request } from 'undici';

/** Where and how one embeddings endpoint is called; resolved once per config revision. */
export interface EmbeddingsTarget {
  /** Full URL, query included. */
  url: string;
  /** Request headers (auth included); content-type is added. */
  headers: Readonly<Record<string, string>>;
  /** `model` field of the request body, when set. */
  model?: string;
  /** `dimensions` field of the request body, when set. */
  dimensions?: number;
  /** Bound on the whole call (connect, send, response), in ms. */
  timeoutMs: number;
  /** Verify the server certificate. */
  sslVerify: boolean;
}

export type EmbeddingsErrorCode = 'EMBEDDINGS_REQUEST' | 'EMBEDDINGS_STATUS' | 'EMBEDDINGS_RESPONSE';

/**
 * A failed embeddings call. The message never quotes the upstream body nor the request
 * headers: the body is untrusted and may echo the prompt, the headers carry the API key.
 */
export class EmbeddingsError extends Error {
  constructor(
    readonly code: EmbeddingsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EmbeddingsError';
  }
}

/** Longest response body read from an embeddings endpoint. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Validate an OpenAI-style `{data: [{index, embedding: number[]}]}` body for `count` inputs
 * (apisix/plugins/ai-proxy/embedding.lua): every input must get a finite, non-empty vector.
 */
export function parseEmbeddings(raw: string, count: number): number[][] {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new EmbeddingsError('EMBEDDINGS_RESPONSE', `invalid embedding response: ${(e as Error).message}`);
  }
  const list = (data as { data?: unknown } | null)?.data;
  if (typeof data !== 'object' || data === null || !Array.isArray(list)) {
    throw new EmbeddingsError('EMBEDDINGS_RESPONSE', 'invalid embedding response: unexpected shape');
  }
  const out: (number[] | undefined)[] = new Array<number[] | undefined>(count).fill(undefined);
  for (const [i, item] of list.entries()) {
    if (typeof item !== 'object' || item === null) {
      throw new EmbeddingsError('EMBEDDINGS_RESPONSE', `invalid embedding entry at index ${i}`);
    }
    const { index, embedding } = item as { index?: unknown; embedding?: unknown };
    let idx = i;
    if (typeof index === 'number') {
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new EmbeddingsError('EMBEDDINGS_RESPONSE', `invalid embedding index at entry ${i}`);
      }
      idx = index;
    }
    if (!Array.isArray(embedding) || embedding.length === 0) {
      throw new EmbeddingsError('EMBEDDINGS_RESPONSE', `invalid embedding vector at index ${idx}`);
    }
    for (const n of embedding) {
      if (typeof n !== 'number' || !Number.isFinite(n)) {
        throw new EmbeddingsError('EMBEDDINGS_RESPONSE', `non-numeric embedding component at index ${idx}`);
      }
    }
    if (idx < count) out[idx] = embedding as number[];
  }
  for (let i = 0; i < count; i++) {
    if (out[i] === undefined) throw new EmbeddingsError('EMBEDDINGS_RESPONSE', `missing embedding for input index ${i}`);
  }
  return out as number[][];
}

/**
 * One embeddings endpoint with its own connection pool: created in a plugin's `prepare`,
 * closed in `destroy`. Used by ai-cache's semantic layer and ai-proxy-multi's semantic balancer.
 */
export class EmbeddingsClient {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;

  constructor(readonly target: EmbeddingsTarget) {
    this.agent = new Agent({
      connect: { timeout: target.timeoutMs, rejectUnauthorized: target.sslVerify },
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
    });
    this.headers = { ...target.headers, 'content-type': 'application/json' };
  }

  /**
   * Embed `input` (one text, or a batch): the vectors in input order. Throws EmbeddingsError
   * on a transport failure, a non-200 status or a malformed body.
   */
  async embed(input: string | readonly string[]): Promise<number[][]> {
    const count = typeof input === 'string' ? 1 : input.length;
    if (count === 0) return [];
    const t = this.target;
    const payload: Record<string, unknown> = {};
    if (t.model !== undefined) payload.model = t.model;
    payload.input = input;
    if (t.dimensions !== undefined) payload.dimensions = t.dimensions;
    let status: number;
    let raw: string;
    try {
      const res = await request(t.url, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(payload),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(t.timeoutMs),
      });
      status = res.statusCode;
      if (status !== 200) {
        await res.body.dump();
        throw new EmbeddingsError('EMBEDDINGS_STATUS', `embedding endpoint returned status ${status}`);
      }
      const buf = Buffer.from(await res.body.arrayBuffer());
      if (buf.length > MAX_RESPONSE_BYTES) {
        throw new EmbeddingsError('EMBEDDINGS_RESPONSE', 'invalid embedding response: too large');
      }
      raw = buf.toString('utf8');
    } catch (e) {
      if (e instanceof EmbeddingsError) throw e;
      const err = e as Error;
      const why = err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : err.message;
      throw new EmbeddingsError('EMBEDDINGS_REQUEST', `embedding request failed: ${why}`);
    }
    return parseEmbeddings(raw, count);
  }

  close(): void {
    this.agent.close().catch(() => this.agent.destroy());
  }
}
