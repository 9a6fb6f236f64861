/** Limits of lua-resty-kafka's async producer buffer (kafka-logger.lua broker_config). */
export interface LingerLimits {
  /** producer_batch_num: messages per produce request. */
  batchNum: number;
  /** producer_batch_size: bytes that trigger a flush (0 = every message). */
  batchSize: number;
  /** producer_max_buffering: messages that may wait; more are refused. */
  maxBuffering: number;
  /** producer_time_linger in ms: the longest a message waits. */
  lingerMs: number;
}

/** Delivers one produce request; rejects when the broker did not take it. */
export type Deliver = (values: readonly string[]) => Promise<void>;

interface Waiting {
  value: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** lua-resty-kafka's error when its ring buffer is full. */
export const BUFFER_OVERFLOW = 'buffer overflow';

/**
 * The `producer_type: async` buffer: messages wait until `batchNum` of them or `batchSize`
 * bytes are queued, or `lingerMs` after the first one, then go out together in one produce
 * request. Unlike lua-resty-kafka (which drops a failed buffer after its own retries and tells
 * nobody), each `add` settles with its request's outcome, so the batch processor's
 * `max_retry_count` / `retry_delay` apply in async mode too.
 */
export class LingerBuffer {
  private queue: Waiting[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly limits: LingerLimits,
    private readonly deliver: Deliver,
  ) {}

  /** Messages waiting (not yet handed to the client). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Queue one message; settles when the produce request carrying it does. */
  add(value: string): Promise<void> {
    if (this.queue.length >= this.limits.maxBuffering) return Promise.reject(new Error(BUFFER_OVERFLOW));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ value, resolve, reject });
      this.bytes += Buffer.byteLength(value);
      if (this.queue.length >= this.limits.batchNum || this.bytes >= this.limits.batchSize) this.flush();
      else if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.flush();
        }, this.limits.lingerMs);
        this.timer.unref();
      }
    });
  }

  /** Flush, then wait until every produce request has settled. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Send everything queued now, `batchNum` messages per request. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.limits.batchNum);
      for (const w of batch) this.bytes -= Buffer.byteLength(w.value);
      const p: Promise<void> = this.deliver(batch.map((w) => w.value))
        .then(
          () => {
            for (const w of batch) w.resolve();
          },
          (err: unknown) => {
            const e = err instanceof Error ? err : new Error(String(err));
            for (const w of batch) w.reject(e);
          },
        )
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    this.bytes = 0;
  }
}
