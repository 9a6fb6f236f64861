import type { BodySink } from '@portico/plugin-sdk';

/**
 * Writes SSE chunks to the client, coalescing bursts (`streaming_flush_interval_ms`).
 *
 * APISIX 3.17+ prints every chunk into nginx's buffer and a background thread flushes it every
 * N ms (0: flush each chunk inline). Here a chunk that arrives when nothing was written in the
 * last N ms goes out at once (the first chunk never waits); chunks arriving within N ms of a
 * write are held and written together when the interval ends, as one socket write.
 */
export class FlushWriter {
  private pending: Buffer[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A write happened less than `intervalMs` ago: later chunks wait for the timer. */
  private windowOpen = false;
  private closed = false;

  /**
   * @param onFull called when the client's buffer is full after a write (pause the upstream
   *   and wait for `sink.onDrain`).
   */
  constructor(
    private readonly sink: BodySink,
    private readonly intervalMs: number,
    private readonly onFull: () => void,
  ) {}

  /** Bytes held for the next flush. */
  get held(): number {
    let n = 0;
    for (const c of this.pending ?? []) n += c.length;
    return n;
  }

  write(chunk: Buffer): void {
    if (this.closed) return;
    if (this.intervalMs <= 0) {
      if (!this.sink.write(chunk)) this.onFull();
      return;
    }
    if (this.windowOpen) {
      (this.pending ??= []).push(chunk);
      return;
    }
    this.windowOpen = true;
    this.arm();
    if (!this.sink.write(chunk)) this.onFull();
  }

  private arm(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.onTick(), this.intervalMs);
  }

  private onTick(): void {
    if (this.closed) return;
    if (!this.flushPending()) {
      this.windowOpen = false;
      return;
    }
    this.arm();
  }

  /** Write what is held; false when nothing was. */
  private flushPending(): boolean {
    const p = this.pending;
    if (p === undefined || p.length === 0) return false;
    this.pending = undefined;
    if (!this.sink.write(p.length === 1 ? p[0]! : Buffer.concat(p))) this.onFull();
    return true;
  }

  private close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Write what is held and finish the response. */
  end(): void {
    if (this.closed) return;
    this.flushPending();
    this.close();
    this.sink.end();
  }

  /** Write what is held, then abort the client connection. */
  destroy(err: Error): void {
    if (this.closed) return;
    this.flushPending();
    this.close();
    this.sink.destroy(err);
  }
}
