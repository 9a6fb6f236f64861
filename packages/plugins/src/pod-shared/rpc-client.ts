import type { PodChannel } from './channel.js';

/** Errors a {@link PodRpcClient} raises when the primary gives no answer. */
export interface PodRpcErrors {
  /** The channel to the primary is closed. */
  closed(): Error;
  /** No answer within `timeoutMs`. */
  timeout(timeoutMs: number): Error;
}

interface Pending<Rep> {
  resolve(reply: Rep): void;
  reject(err: Error): void;
  deadline: number;
}

/**
 * Request/reply over the IPC channel to the cluster primary, matched by a per-client id: one
 * message each way per call. A call unanswered within `timeoutMs` (primary busy or gone)
 * rejects with `errors.timeout`; one sweep timer serves every pending call (not one timer per
 * call), and runs only while calls are pending.
 */
export class PodRpcClient<Req extends { id: number }, Rep extends { id: number }> {
  private seq = 0;
  private readonly pending = new Map<number, Pending<Rep>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: PodChannel<Req>,
    private readonly isReply: (v: unknown) => v is Rep,
    private readonly timeoutMs: number,
    private readonly errors: PodRpcErrors,
  ) {
    channel.onMessage((msg) => this.onReply(msg));
  }

  /** Send the request `build(id)` and resolve with the primary's reply to it. */
  call(build: (id: number) => Req): Promise<Rep> {
    const id = ++this.seq;
    if (!this.channel.send(build(id))) return Promise.reject(this.errors.closed());
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), Math.max(10, this.timeoutMs / 4)).unref();
    });
  }

  /** Calls awaiting an answer (for tests and diagnostics). */
  get inFlight(): number {
    return this.pending.size;
  }

  private onReply(msg: unknown): void {
    if (!this.isReply(msg)) return;
    const p = this.pending.get(msg.id);
    if (p === undefined) return; // answered after its timeout
    this.pending.delete(msg.id);
    p.resolve(msg);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.deadline > now) break; // insertion order = deadline order
      this.pending.delete(id);
      p.reject(this.errors.timeout(this.timeoutMs));
    }
    if (this.pending.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
