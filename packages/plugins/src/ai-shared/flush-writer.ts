import type { BodySink } from '@portico/plugin-sdk';

/**
 * Writes SSE chunks to the client, coalescing bursts (`streaming_flush_interval_ms`).
 *
 * APISIX 3.17+ prints every chunk into nginx's buffer and a background thread flushes it every
 * N ms (0: flush each chunk inline). Here a chunk that arrives when nothing was written in the
 * last N ms goes out at once (the first chunk never waits); chunks arriving within N ms of a
 * write are held and written together when the interval ends, as one socket write. A steady
 * stream slower than N ms per chunk never arms a timer.
 */
export class FlushWriter {
  private pending: Buffer[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() of the last write to the sink (-Infinity: none yet). */
  private lastWrite = Number.NEGATIVE_INFINITY;
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
      this.out(chunk);
      return;
    }
    const now = performance.now();
    if (now - this.lastWrite >= this.intervalMs) {
      // The interval since the last write is over (a late timer must not hold this chunk).
      const p = this.pending;
      if (p !== undefined) {
        this.pending = undefined;
        this.clearTimer();
        p.push(chunk);
        this.out(Buffer.concat(p));
      } else this.out(chunk);
      this.lastWrite = now;
      return;
    }
    (this.pending ??= []).push(chunk);
    this.timer ??= setTimeout(() => this.onTick(), this.lastWrite + this.intervalMs - now);
  }

  private out(chunk: Buffer): void {
    if (!this.sink.write(chunk)) this.onFull();
  }

  private onTick(): void {
    this.timer = undefined;
    if (this.closed) return;
    if (this.flushPending()) this.lastWrite = performance.now();
  }

  /** Write what is held; false when nothing was. */
  private flushPending(): boolean {
    const p = this.pending;
    if (p === undefined || p.length === 0) return false;
    this.pending = undefined;
    this.out(p.length === 1 ? p[0]! : Buffer.concat(p));
    return true;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Write what is held and finish the response. */
  end(): void {
    if (this.closed) return;
    this.flushPending();
    this.closed = true;
    this.clearTimer();
    this.sink.end();
  }

  /**
   * Write what is held, then abort the client connection. After a write the abort waits one
   * turn of the event loop: node's http response corks the socket until the next tick, and a
   * destroy in the same tick would drop the bytes just written.
   */
  destroy(err: Error): void {
    if (this.closed) return;
    const wrote = this.flushPending();
    this.closed = true;
    this.clearTimer();
    if (wrote) setImmediate(() => this.sink.destroy(err));
    else this.sink.destroy(err);
  }
}
