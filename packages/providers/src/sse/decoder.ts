/** One decoded server-sent event. */
export interface SseEvent {
  /** `event:` field, "message" when absent. */
  event: string;
  /** `data:` lines joined with "\n". */
  data: string;
  id?: string;
  retry?: number;
  /** True for the OpenAI terminator `data: [DONE]`. */
  done: boolean;
}

/**
 * Incremental SSE decoder (WHATWG "event stream interpretation"): bytes may be split anywhere
 * — inside a UTF-8 sequence, inside a line, between CR and LF — and events come out only once
 * their blank line arrived. APISIX 3.16 decoded each TCP chunk alone and lost split events
 * (ai-drivers/sse.lua); this keeps a carry-over buffer instead. It only observes: callers
 * forward the raw bytes themselves.
 */
export class SseDecoder {
  private readonly text = new TextDecoder('utf-8');
  /**
   * The unterminated line so far, as pieces (it holds no CR/LF): each chunk is scanned once and
   * a long line arriving in many chunks is joined once, so decoding stays linear in its size.
   */
  private pending: string[] = [];
  /** A CR ended the previous chunk: an LF starting the next one belongs to it. */
  private skipLf = false;
  private dataLines: string[] = [];
  private eventType = '';
  private id: string | undefined;
  private retry: number | undefined;
  private sawField = false;

  /** Feed bytes; returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[] {
    const s = typeof chunk === 'string' ? chunk : this.text.decode(chunk, { stream: true });
    return this.consume(s);
  }

  /** End of stream: flush the decoder. An event without its blank line is dropped (per spec). */
  end(): SseEvent[] {
    const events = this.consume(this.text.decode());
    this.pending = [];
    return events;
  }

  private consume(s: string): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    // A CR ended the previous chunk (pending is then empty): an LF here completes that CRLF.
    if (this.skipLf && s.charCodeAt(0) === 10) start = 1;
    if (s.length > 0) this.skipLf = false;
    for (let i = start; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      let line = s.slice(start, i);
      if (this.pending.length > 0) {
        this.pending.push(line);
        line = this.pending.join('');
        this.pending = [];
      }
      if (ch === 13) {
        if (i + 1 === s.length) this.skipLf = true;
        else if (s.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      const ev = this.line(line);
      if (ev) events.push(ev);
    }
    if (start < s.length) this.pending.push(s.slice(start));
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 58 /* ':' comment */) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        this.sawField = true;
        break;
      case 'event':
        this.eventType = value;
        this.sawField = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        this.sawField = true;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        this.sawField = true;
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    if (!this.sawField) return undefined;
    const data = this.dataLines.join('\n');
    const ev: SseEvent = { event: this.eventType || 'message', data, done: data.trim() === '[DONE]' };
    if (this.id !== undefined) ev.id = this.id;
    if (this.retry !== undefined) ev.retry = this.retry;
    this.dataLines = [];
    this.eventType = '';
    this.retry = undefined;
    this.sawField = false;
    return ev;
  }
}
