import { COUNTER_REQUEST, isCounterReply, type CounterRequest } from './ipc-protocol.js';
import type { CounterState, CounterStore } from './types.js';

/** Stable codes of {@link SharedCounterError}. */
export type SharedCounterErrorCode = 'COUNTER_IPC_CLOSED' | 'COUNTER_IPC_TIMEOUT' | 'COUNTER_HOST_ERROR';

/** A shared-counter call that got no answer; the plugin applies `allow_degradation` to it. */
export class SharedCounterError extends Error {
  constructor(
    readonly code: SharedCounterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SharedCounterError';
  }
}

/** The worker's end of the IPC channel to the primary (process.send / process.on('message')). */
export interface CounterChannel {
  /** Send a request; false when the channel is closed (the primary is gone). */
  send(msg: CounterRequest): boolean;
  onMessage(fn: (msg: unknown) => void): void;
}

// One callback for every send: with a callback, a send racing a closing channel reports its
// error here instead of as an 'error' event on process (fatal without a listener); the
// request itself then times out.
const ignoreSendError = (): void => undefined;

/** This process's IPC channel to its parent (the cluster primary). */
export const processChannel: CounterChannel = {
  send(msg) {
    if (!process.connected || process.send === undefined) return false;
    process.send(msg, undefined, undefined, ignoreSendError);
    return true;
  },
  onMessage(fn) {
    process.on('message', fn);
  },
};

interface Pending {
  resolve(state: CounterState): void;
  reject(err: Error): void;
  deadline: number;
}

/**
 * `policy: local` counters of a cluster worker, kept by the primary (one LocalCounterStore
 * for the pod, as APISIX's lua_shared_dict is one per node): one IPC round trip per
 * `incoming`. A request unanswered within `timeoutMs` (primary busy or gone) rejects with a
 * SharedCounterError, which the plugin treats like any store error (`allow_degradation`).
 */
export class SharedCounterClient implements CounterStore {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: CounterChannel = processChannel,
    private readonly timeoutMs = 1000,
  ) {
    channel.onMessage((msg) => this.onReply(msg));
  }

  incoming(key: string, windowSec: number, cost: number): Promise<CounterState> {
    const id = ++this.seq;
    if (!this.channel.send({ portico: COUNTER_REQUEST, id, key, window: windowSec, cost })) {
      return Promise.reject(new SharedCounterError('COUNTER_IPC_CLOSED', 'shared counters unavailable: IPC channel to the primary is closed'));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      // One timer for all requests (not one per request): it sweeps expired ones.
      this.sweeper ??= setInterval(() => this.sweep(), Math.max(10, this.timeoutMs / 4)).unref();
    });
  }

  /** Requests awaiting an answer (for tests and diagnostics). */
  get inFlight(): number {
    return this.pending.size;
  }

  release(): void {
    // Process-wide singleton: counters live in the primary and outlive config revisions.
  }

  private onReply(msg: unknown): void {
    if (!isCounterReply(msg)) return;
    const p = this.pending.get(msg.id);
    if (p === undefined) return; // answered after its timeout
    this.pending.delete(msg.id);
    if ('error' in msg) p.reject(new SharedCounterError('COUNTER_HOST_ERROR', `shared counters: ${msg.error}`));
    else p.resolve(msg);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.deadline > now) break; // insertion order = deadline order
      this.pending.delete(id);
      p.reject(new SharedCounterError('COUNTER_IPC_TIMEOUT', `shared counters: no answer from the primary within ${this.timeoutMs} ms`));
    }
    if (this.pending.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
