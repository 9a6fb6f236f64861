import type { CacheFormat } from './store.js';

/** Terminal events of the streaming client protocols (openai-chat, anthropic-messages, openai-responses). */
const DONE_EVENTS = new Set(['message_stop', 'response.completed']);

/** The `event:` name and joined `data:` of one SSE event block. */
function parseEvent(block: string): { event: string; data: string } {
  let event = '';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return { event, data: data.join('\n') };
}

/**
 * True when an SSE body ended with its protocol's terminal event (`data: [DONE]`,
 * `message_stop`, `response.completed`) followed by the blank line that closes it: only
 * such a stream is complete enough to replay.
 */
export function streamCompleted(body: string): boolean {
  if (!/(\r?\n){2}\s*$/.test(body.slice(-256))) return false;
  const blocks = body.split(/\r?\n\r?\n/).filter((b) => b.trim() !== '');
  const last = blocks[blocks.length - 1];
  if (last === undefined) return false;
  const { event, data } = parseEvent(last);
  if (data.trim() === '[DONE]' || DONE_EVENTS.has(event)) return true;
  try {
    const t = (JSON.parse(data) as { type?: unknown }).type;
    return typeof t === 'string' && DONE_EVENTS.has(t);
  } catch {
    return false;
  }
}

const SSE_START = /^\s*(data:|event:|:|id:|retry:)/;

/**
 * How a captured 200 body may be stored, or undefined when it must not be: a JSON answer that
 * does not look like SSE, or a completed SSE stream (apisix/plugins/ai-cache/stream.lua).
 */
export function captureFormat(sse: boolean, body: string): CacheFormat | undefined {
  if (!sse) return SSE_START.test(body) ? undefined : 'json';
  return streamCompleted(body) ? 'sse' : undefined;
}

/** Response bytes buffered for the write-back, abandoned once over the size limit. */
export class Capture {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  oversized = false;

  constructor(private readonly limit: number) {}

  add(chunk: Uint8Array): void {
    if (this.oversized || chunk.length === 0) return;
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.oversized = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk);
  }

  get size(): number {
    return this.oversized ? 0 : this.bytes;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
