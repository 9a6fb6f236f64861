import type { Logger } from '@portico/plugin-sdk';

/** Outcome of delivering one batch; `failedFrom` is the index of the first undelivered entry. */
export type BatchResult = { ok: true } | { ok: false; error: string; failedFrom?: number };

/** Delivers a batch. `batchMaxSize` is passed because http-logger encodes size-1 batches as one object. */
export type BatchSender<T> = (entries: readonly T[], batchMaxSize: number) => Promise<BatchResult>;

/** Batch settings in APISIX units (seconds), as in apisix/utils/batch-processor.lua. */
export interface BatchConf {
  name: string;
  batch_max_size: number;
  inactive_timeout: number;
  buffer_duration: number;
  max_retry_count: number;
  retry_delay: number;
}

/**
 * Caps entries waiting in all processors of one plugin (batch-processor-manager.lua
 * `max_pending_entries`): a slow or dead collector must not grow memory without bound.
 */
export class Backlog {
  pending = 0;
  private discarded = 0;
  private lastReport = 0;

  /** Writable: http-logger applies plugin_metadata `max_pending_entries` as it changes. */
  constructor(
    public limit: number,
    private readonly logger?: Logger,
  ) {}

  /** Reserve room for one entry; false (and a rate-limited error log) when full. */
  tryAdd(): boolean {
    if (this.pending < this.limit) {
      this.pending++;
      return true;
    }
    this.discarded++;
    const now = Date.now();
    // One summary per second at most: a line per discard would flood during the outage.
    if (now - this.lastReport >= 1000) {
      this.logger?.error(
        { pending: this.pending, limit: this.limit, discarded: this.discarded },
        'max pending entries limit exceeded. discarding entry.',
      );
      this.lastReport = now;
      this.discarded = 0;
    }
    return false;
  }

  /** Release `n` entries (delivered or dropped). */
  release(n: number): void {
    this.pending = Math.max(0, this.pending - n);
  }
}

interface Batch<T> {
  entries: readonly T[];
  retries: number;
}

/**
 * Buffers entries and hands them to a sender in batches: when `batch_max_size` entries are
 * buffered, after `inactive_timeout` s without a new entry, or `buffer_duration` s after the
 * oldest one. Failed batches are retried `max_retry_count` times, `retry_delay` s apart.
 * Unlike APISIX's fixed `inactive_timeout` re-check, the timer is armed for the exact
 * deadline. Timers are unref'd; {@link close} flushes and leaves no timer behind.
 */
export class BatchProcessor<T> {
  private buffer: T[] = [];
  private firstAt = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly retries = new Map<NodeJS.Timeout, Batch<T>>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  /** Entries delivered or dropped so far. */
  processedEntries = 0;

  constructor(
    private readonly conf: BatchConf,
    private readonly send: BatchSender<T>,
    private readonly logger: Logger,
    private readonly backlog?: Backlog,
  ) {}

  /** Number of timers currently armed (buffer + retries); 0 after {@link close}. */
  get activeTimers(): number {
    return (this.timer ? 1 : 0) + this.retries.size;
  }

  /** Add one entry. After close, entries are sent at once (requests still finishing). */
  push(entry: T): void {
    if (this.backlog && !this.backlog.tryAdd()) return;
    if (this.conf.batch_max_size === 1 || this.closed) {
      this.execute({ entries: [entry], retries: 0 });
      return;
    }
    const now = Date.now();
    if (this.buffer.length === 0) this.firstAt = now;
    this.lastAt = now;
    this.buffer.push(entry);
    if (this.buffer.length >= this.conf.batch_max_size) this.flush();
    else if (!this.timer) this.arm();
  }

  /** Send whatever is buffered now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0) return;
    const entries = this.buffer;
    this.buffer = [];
    this.execute({ entries, retries: 0 });
  }

  /** Flush, fire pending retries once more, clear every timer, and wait for in-flight sends. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    for (const [t, batch] of this.retries) {
      clearTimeout(t);
      this.execute(batch);
    }
    this.retries.clear();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private deadline(): number {
    return Math.min(this.lastAt + this.conf.inactive_timeout * 1000, this.firstAt + this.conf.buffer_duration * 1000);
  }

  private arm(): void {
    const delay = Math.max(0, this.deadline() - Date.now());
    this.timer = setTimeout(() => this.onTimer(), delay);
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    if (Date.now() >= this.deadline()) this.flush();
    else this.arm();
  }

  private execute(batch: Batch<T>): void {
    const p: Promise<void> = this.run(batch).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private done(n: number): void {
    this.processedEntries += n;
    this.backlog?.release(n);
  }

  private async run(batch: Batch<T>): Promise<void> {
    let result: BatchResult;
    try {
      result = await this.send(batch.entries, this.conf.batch_max_size);
    } catch (err) {
      result = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    if (result.ok) {
      this.done(batch.entries.length);
      return;
    }
    const name = this.conf.name;
    let entries = batch.entries;
    if (result.failedFrom !== undefined && result.failedFrom > 0) {
      this.logger.error(
        { name, failed: entries.length - result.failedFrom, total: entries.length, error: result.error },
        `Batch Processor[${name}] failed to process entries`,
      );
      this.done(result.failedFrom);
      entries = entries.slice(result.failedFrom);
    } else {
      this.logger.error({ name, error: result.error }, `Batch Processor[${name}] failed to process entries`);
    }
    const retries = batch.retries + 1;
    if (retries <= this.conf.max_retry_count && entries.length > 0 && !this.closed) {
      const next: Batch<T> = { entries, retries };
      const t = setTimeout(() => {
        this.retries.delete(t);
        this.execute(next);
      }, this.conf.retry_delay * 1000);
      t.unref();
      this.retries.set(t, next);
      return;
    }
    this.done(entries.length);
    this.logger.error(
      { name, retries, dropped: entries.length },
      `Batch Processor[${name}] exceeded the max_retry_count[${retries}] dropping the entries`,
    );
  }
}
