import type { Etcd3, IDuplexStream, IWatchRequest, IWatchResponse } from 'etcd3';
import type { WatchEvent, WatchOptions } from '../types.js';
import { WatchQueue } from '../watch-queue.js';
import { toKeyValue, withDeadline } from './codec.js';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2_000;

/**
 * One prefix watch on a raw etcd watch stream (not etcd3's Watcher, which resumes from the
 * response header revision and can skip events on reconnect).
 *
 * Lifecycle, chosen so consumers have a single recovery path:
 * - etcd unreachable: keep retrying with capped exponential backoff; nothing is yielded.
 * - stream established after a disconnect: yield `reset: reconnected` (or `reset: restarted`
 *   when the server's revision went backwards, i.e. etcd came back with other data), then end.
 * - start revision compacted (etcd cancels with compact_revision): yield `reset: compacted`, end.
 * - signal aborted or store closed: end without a message. The iterator never throws.
 */
export class EtcdWatch {
  readonly queue: WatchQueue;
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** etcd confirmed a watch on this instance before: a new confirmation means we reconnected. */
  private everCreated = false;
  /**
   * Highest store revision the server has shown this watch (headers, events). Not seeded from
   * fromRevision: a future start revision is legal and must not look like a restart.
   */
  private seenRevision = 0;
  private nextRevision: number;

  constructor(
    private readonly client: Etcd3,
    private readonly range: { key: Buffer; range_end: Buffer },
    opts: WatchOptions,
    private readonly timeoutMs: number,
    onEnd: () => void,
  ) {
    this.queue = new WatchQueue(opts.signal, () => {
      this.teardown();
      onEnd();
    });
    this.nextRevision = opts.fromRevision;
    if (!this.queue.isEnded) void this.connect();
  }

  /** End the watch (store closing). */
  stop(): void {
    this.queue.end();
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.queue.isEnded) return;
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    try {
      stream = await withDeadline('watch', this.timeoutMs, () => this.client.watchClient.watch());
    } catch {
      this.scheduleRetry();
      return;
    }
    if (this.queue.isEnded) {
      stream.on('error', () => undefined);
      closeQuietly(stream);
      return;
    }
    this.stream = stream;
    // Until etcd confirms creation, a silent stream counts as a failed attempt.
    const createTimer = setTimeout(() => this.onStreamError(stream), this.timeoutMs);
    stream.on('data', (res) => {
      clearTimeout(createTimer);
      this.onResponse(res);
    });
    stream.on('error', () => {
      clearTimeout(createTimer);
      this.onStreamError(stream);
    });
    stream.on('end', () => {
      clearTimeout(createTimer);
      this.onStreamError(stream);
    });
    stream.write({
      create_request: {
        ...this.range,
        start_revision: Math.max(this.nextRevision, 1),
        progress_notify: true,
      },
    });
  }

  private onResponse(res: IWatchResponse): void {
    if (this.queue.isEnded) return;
    const headerRev = Number(res.header?.revision ?? 0);
    if (res.compact_revision && res.compact_revision !== '0') return this.reset('compacted');
    if (res.created) {
      this.failures = 0;
      // A revision below what we already saw means this is not the store we were watching.
      if (headerRev > 0 && headerRev < this.seenRevision) return this.reset('restarted');
      if (this.everCreated) return this.reset('reconnected');
      this.everCreated = true;
    }
    if (res.canceled) {
      // Cancelled for another reason (e.g. permission): treat like a broken stream and retry.
      return this.onStreamError(this.stream);
    }
    if (headerRev > this.seenRevision) this.seenRevision = headerRev;
    this.deliver(res.events ?? []);
  }

  /** Group events by their revision: one batch per etcd revision, in order. */
  private deliver(events: IWatchResponse['events']): void {
    let batch: { revision: number; events: WatchEvent[] } | undefined;
    for (const ev of events) {
      const revision = Number(ev.kv.mod_revision);
      if (batch && batch.revision !== revision) this.queue.push({ type: 'events', ...batch });
      if (!batch || batch.revision !== revision) batch = { revision, events: [] };
      batch.events.push(
        ev.type === 'Delete'
          ? { type: 'delete', key: ev.kv.key.toString('utf8'), modRevision: revision }
          : { type: 'put', kv: toKeyValue(ev.kv) },
      );
      this.nextRevision = revision + 1;
      if (revision > this.seenRevision) this.seenRevision = revision;
    }
    if (batch) this.queue.push({ type: 'events', ...batch });
  }

  private onStreamError(stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined): void {
    if (stream !== this.stream || this.queue.isEnded) return;
    this.closeStream();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.queue.isEnded || this.retryTimer) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => void this.connect(), base / 2 + Math.random() * (base / 2));
  }

  private reset(reason: 'compacted' | 'reconnected' | 'restarted'): void {
    this.queue.push({ type: 'reset', reason });
    this.queue.end();
  }

  private closeStream(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) closeQuietly(s);
  }

  private teardown(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.closeStream();
  }
}

/**
 * Half-close before cancelling: etcd3 marks the host failed (closing every channel, i.e. all
 * other watches and calls) when a still-writable watch stream errors, and cancel is an error.
 */
function closeQuietly(s: IDuplexStream<IWatchRequest, IWatchResponse>): void {
  try {
    s.end();
    s.cancel();
  } catch {
    // already closed
  }
}
