import type { WatchMessage } from './types.js';

/**
 * Single-consumer async queue behind a watch iterator: producers push messages, the
 * consumer awaits them; `end()` (or the abort signal) finishes the iteration.
 */
export class WatchQueue implements AsyncIterator<WatchMessage> {
  private readonly items: WatchMessage[] = [];
  private waiter: ((r: IteratorResult<WatchMessage>) => void) | undefined;
  private ended = false;
  private readonly onAbort = (): void => this.end();

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly onEnd: () => void,
  ) {
    if (signal?.aborted) this.ended = true;
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(msg: WatchMessage): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: msg, done: false });
    } else {
      this.items.push(msg);
    }
  }

  /** Stop delivering; messages already queued are still yielded before `done` unless aborted. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    // An abort discards what is queued: the consumer asked to stop now.
    if (this.signal?.aborted) this.items.length = 0;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      const next = this.items.shift();
      w(next ? { value: next, done: false } : { value: undefined, done: true });
    }
    this.onEnd();
  }

  next(): Promise<IteratorResult<WatchMessage>> {
    const item = this.items.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<WatchMessage>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }
}

/** Byte-order comparison of keys as etcd sorts them (UTF-8 bytes, not UTF-16 units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
