/**
 * ConverseStream events (decoded event-stream frames) → OpenAI chat.completion.chunk SSE
 * events, and the side observations APISIX makes on a native ConverseStream (text deltas,
 * usage). Pure and stateful per stream.
 */
import type { TokenUsage } from '../usage.js';
import type { JsonObject } from '../types.js';
import { converseUsage, finishReason, type ChatIdentity } from './converse-response.js';
import type { EventStreamFrame } from './eventstream.js';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What one ConverseStream frame means (bedrock-converse.lua parse_sse_event). */
export type ConverseStreamEvent =
  | { kind: 'event'; type: string; data: JsonObject }
  | { kind: 'exception'; type: string; message: string }
  | { kind: 'skip' };

/** Classify a frame by its `:message-type` / `:event-type` headers and parse its JSON payload. */
export function readConverseFrame(frame: EventStreamFrame): ConverseStreamEvent {
  const h = frame.headers;
  const messageType = h[':message-type'];
  if (messageType === 'exception' || messageType === 'error') {
    const type = String(h[':exception-type'] ?? h[':error-code'] ?? 'unknown');
    let message = typeof h[':error-message'] === 'string' ? (h[':error-message'] as string) : '';
    try {
      const p = JSON.parse(frame.payload.toString('utf8')) as unknown;
      if (isObject(p) && typeof p.message === 'string') message = p.message;
    } catch {
      // payload is not JSON: keep the header message
    }
    return { kind: 'exception', type, message };
  }
  const type = h[':event-type'];
  if (typeof type !== 'string') return { kind: 'skip' };
  try {
    const data = JSON.parse(frame.payload.toString('utf8')) as unknown;
    return isObject(data) ? { kind: 'event', type, data } : { kind: 'skip' };
  } catch {
    return { kind: 'skip' };
  }
}

/** Text of a contentBlockDelta (undefined for tool-use and other deltas). */
export function deltaText(ev: ConverseStreamEvent): string | undefined {
  if (ev.kind !== 'event' || ev.type !== 'contentBlockDelta') return undefined;
  const d = ev.data.delta;
  return isObject(d) && typeof d.text === 'string' ? d.text : undefined;
}

/** Usage of a metadata event. */
export function streamUsage(ev: ConverseStreamEvent): { usage: TokenUsage; raw: JsonObject } | undefined {
  if (ev.kind !== 'event' || ev.type !== 'metadata' || !isObject(ev.data.usage)) return undefined;
  const usage = converseUsage(ev.data.usage);
  return usage ? { usage, raw: ev.data.usage } : undefined;
}

/**
 * Builds OpenAI chunk payloads from ConverseStream events. `convert` returns the SSE
 * `data:` payloads (JSON text, or `[DONE]`) the event produces, in order.
 */
export class ConverseToOpenAiStream {
  /** contentBlockIndex → OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();
  private finished = false;

  constructor(private readonly who: ChatIdentity) {}

  private chunk(delta: JsonObject, finish: string | null): string {
    return JSON.stringify({
      id: this.who.id,
      object: 'chat.completion.chunk',
      created: this.who.created,
      model: this.who.model ?? '',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  }

  /** True once the stream reached its end (metadata or an exception). */
  get done(): boolean {
    return this.finished;
  }

  convert(ev: ConverseStreamEvent): string[] {
    if (this.finished || ev.kind === 'skip') return [];
    if (ev.kind === 'exception') {
      this.finished = true;
      return [JSON.stringify({ error: { message: ev.message, type: ev.type } }), '[DONE]'];
    }
    const d = ev.data;
    switch (ev.type) {
      case 'messageStart':
        return [this.chunk({ role: 'assistant', content: '' }, null)];
      case 'contentBlockStart': {
        const start = isObject(d.start) ? d.start.toolUse : undefined;
        if (!isObject(start)) return [];
        const index = this.toolIndex.size;
        this.toolIndex.set(Number(d.contentBlockIndex ?? index), index);
        return [
          this.chunk(
            { tool_calls: [{ index, id: start.toolUseId, type: 'function', function: { name: start.name, arguments: '' } }] },
            null,
          ),
        ];
      }
      case 'contentBlockDelta': {
        const delta = isObject(d.delta) ? d.delta : {};
        if (typeof delta.text === 'string') return [this.chunk({ content: delta.text }, null)];
        if (isObject(delta.toolUse) && typeof delta.toolUse.input === 'string') {
          const index = this.toolIndex.get(Number(d.contentBlockIndex)) ?? 0;
          return [this.chunk({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] }, null)];
        }
        return [];
      }
      case 'messageStop':
        return [this.chunk({}, finishReason(d.stopReason))];
      case 'metadata': {
        this.finished = true;
        const usage = converseUsage(d.usage);
        const out: string[] = [];
        if (usage) {
          out.push(
            JSON.stringify({
              id: this.who.id,
              object: 'chat.completion.chunk',
              created: this.who.created,
              model: this.who.model ?? '',
              choices: [],
              usage,
            }),
          );
        }
        out.push('[DONE]');
        return out;
      }
      default:
        return [];
    }
  }

  /** Payloads to close a stream that ended without metadata. */
  finish(): string[] {
    if (this.finished) return [];
    this.finished = true;
    return ['[DONE]'];
  }
}

/** Encode SSE `data:` payloads as the bytes of an OpenAI stream. */
export function sseBytes(payloads: readonly string[]): Buffer {
  let s = '';
  for (const p of payloads) s += `data: ${p}\n\n`;
  return Buffer.from(s, 'utf8');
}
