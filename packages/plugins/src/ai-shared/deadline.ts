/**
 * Per-attempt timeout with millisecond precision (undici's own headers/body timeouts use
 * ~1 s "fast timers", too coarse for APISIX's `timeout` in ms). One native timer, re-armed on
 * every received chunk, so `timeout` bounds the wait for the head and every idle gap in the
 * body, like resty.http's single connect/send/read timeout. Aborting the combined signal
 * cancels the undici request.
 */
export class Deadline {
  private readonly ac = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Abort signal of the attempt: fires on timeout or when the client goes away. */
  readonly signal: AbortSignal;
  timedOut = false;

  constructor(
    private readonly ms: number,
    clientSignal: AbortSignal,
  ) {
    this.signal = AbortSignal.any([clientSignal, this.ac.signal]);
    this.arm();
  }

  /** Restart the countdown (call when bytes arrive). */
  arm(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.ac.abort(new Error('timeout'));
    }, this.ms);
    this.timer.unref();
  }

  /** Stop the countdown for good. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
