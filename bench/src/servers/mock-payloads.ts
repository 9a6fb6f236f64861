/** Precomputed OpenAI-shaped response bodies for the bench mock (built once at start). */

/** Monotonic clock in µs, shared by every process on the host (CLOCK_MONOTONIC). */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Content of stream chunk `i` sent at `sentUs`: the sequence number lets the stream client
 * detect loss and reordering, the send time gives each chunk's transit time through a proxy.
 */
export function chunkContent(i: number, sentUs: number): string {
  return `t${i}@${sentUs} `;
}

const USAGE = { prompt_tokens: 12, completion_tokens: 64, total_tokens: 76 };

/** Non-streaming chat completion with usage. */
export function chatBody(): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: 1700000000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench mock.' }, finish_reason: 'stop' }],
      usage: USAGE,
    }),
  );
}

/** SSE events of one stream, precomputed around the per-write send time. */
export interface StreamEvents {
  /** Content event i is `content[i][0] + sendTimeUs + content[i][1]`. */
  content: Array<[Buffer, Buffer]>;
  usage: Buffer;
  done: Buffer;
}

const MARK = '@@SENT@@';

/** `chunks` content events, a usage event, `[DONE]`. */
export function streamEvents(chunks: number): StreamEvents {
  const ev = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
  const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini' };
  const content: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < chunks; i++) {
    const text = `t${i}@${MARK} `;
    const delta = i === 0 ? { role: 'assistant', content: text } : { content: text };
    const [a, b] = ev({ ...base, choices: [{ index: 0, delta, finish_reason: i === chunks - 1 ? 'stop' : null }] }).split(MARK);
    content.push([Buffer.from(a!), Buffer.from(b!)]);
  }
  return { content, usage: Buffer.from(ev({ ...base, choices: [], usage: USAGE })), done: Buffer.from('data: [DONE]\n\n') };
}

/** The bytes of a whole stream sent at `sentUs` (tests). */
export function streamText(ev: StreamEvents, sentUs: number): string {
  return (
    ev.content.map(([a, b]) => `${a.toString()}${sentUs}${b.toString()}`).join('') + ev.usage.toString() + ev.done.toString()
  );
}

/** Embeddings response (8 dimensions). */
export function embeddingsBody(): Buffer {
  return Buffer.from(
    JSON.stringify({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8] }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 5, total_tokens: 5 },
    }),
  );
}
