import type { Dispatcher } from 'undici';

/** The body grew past the cap given to {@link LlmExchange.collect}; `bytes` were read. */
export class BodyTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super('max_response_bytes exceeded');
    this.name = 'BodyTooLargeError';
  }
}

/** Response head of one LLM exchange. */
export interface ExchangeHead {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}

/** Where body bytes go once a consumer attached (push style: no promise per chunk). */
export interface ExchangeSink {
  data(chunk: Buffer): void;
  end(): void;
  error(err: Error): void;
}

/**
 * One request to an LLM through undici's dispatch API, without the `request()` wrapper
 * (no body Readable, no async iterator, no AbortSignal per attempt: those were ~15 % of the
 * data plane's CPU per AI request). Resolves `head` at the response head; the body is then
 * either collected whole (`collect`) or pushed chunk by chunk to a sink (`pipe`).
 *
 * Timeout: one native timer with millisecond precision (undici's own timers tick at ~1 s),
 * re-armed on every received chunk, so `timeoutMs` bounds connect+send+head, then each idle
 * gap in the body, like resty.http's single timeout in openai-base.lua.
 */
export class LlmExchange implements Dispatcher.DispatchHandler {
  /** Resolves at the response head; rejects when the exchange fails before it. */
  readonly head: Promise<ExchangeHead>;
  timedOut = false;
  /** Set when the exchange was cancelled because the client went away. */
  clientGone = false;
  private resolveHead!: (h: ExchangeHead) => void;
  private rejectHead!: (e: Error) => void;
  private headDone = false;
  private controller: Dispatcher.DispatchController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sink: ExchangeSink | undefined;
  /** Chunks that arrived between the head and the consumer attaching. */
  private early: Buffer[] | undefined;
  private finished: { err: Error | undefined } | undefined;
  private pendingAbort: Error | undefined;

  constructor(timeoutMs: number) {
    this.head = new Promise<ExchangeHead>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    this.timer = setTimeout(() => this.onTimeout(), timeoutMs);
    this.timer.unref();
  }

  private onTimeout(): void {
    this.timer = undefined;
    this.timedOut = true;
    this.abort(new Error('timeout'));
  }

  /** Cancel the exchange (client gone, consumer stopped, timeout). */
  abort(err: Error): void {
    if (this.finished) return;
    if (this.controller) {
      this.controller.abort(err);
      return;
    }
    // Still queued for a connection: fail now, cancel once undici hands the request over.
    this.pendingAbort = err;
    this.clearTimer();
    this.headDone = true;
    this.finished = { err };
    this.rejectHead(err);
  }

  /** Cancel because the client went away (classified as 499). */
  clientAbort(): void {
    this.clientGone = true;
    this.abort(new Error('client closed the connection'));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Pause the upstream read (client backpressure). */
  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort) controller.abort(this.pendingAbort);
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return;
    this.headDone = true;
    this.timer?.refresh();
    this.resolveHead({ statusCode, headers });
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.timer?.refresh();
    if (this.sink) this.sink.data(chunk);
    else (this.early ??= []).push(chunk);
  }

  onResponseEnd(): void {
    this.clearTimer();
    this.finish(undefined);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.clearTimer();
    if (!this.headDone) {
      this.headDone = true;
      this.finished = { err };
      this.rejectHead(err);
      return;
    }
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.finished) return;
    this.finished = { err };
    const s = this.sink;
    if (s === undefined) return;
    if (err) s.error(err);
    else s.end();
  }

  /** Push the body to `sink` (chunks that already arrived first). Call once, after `head`. */
  pipe(sink: ExchangeSink): void {
    this.sink = sink;
    const early = this.early;
    this.early = undefined;
    if (early) for (const c of early) sink.data(c);
    if (this.finished) {
      if (this.finished.err) sink.error(this.finished.err);
      else sink.end();
    }
  }

  /**
   * The whole body (call once, after `head`). With `maxBytes`, the upstream is cancelled as soon
   * as more than that many bytes arrived and the promise rejects with {@link BodyTooLargeError}.
   */
  collect(maxBytes?: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      let total = 0;
      let over = false;
      this.pipe({
        data: (c) => {
          if (over) return;
          total += c.length;
          if (maxBytes !== undefined && total > maxBytes) {
            over = true;
            const err = new BodyTooLargeError(total);
            reject(err);
            this.abort(err);
            return;
          }
          parts.push(c);
        },
        end: () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts)),
        error: reject,
      });
    });
  }

  /** Stop the timer and cancel the upstream if it is still running (consumer stopped). */
  close(): void {
    this.clearTimer();
    if (!this.finished) this.abort(new Error('consumer stopped reading'));
  }
}
