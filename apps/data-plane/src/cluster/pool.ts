import type { Logger } from '@portico/plugin-sdk';
import type { WorkerStatus } from '../status/readiness.js';
import type { PodRevision, WorkerRevision } from '../status/status-server.js';
import { isWorkerMessage, type PrimaryToWorker } from './messages.js';
import type { RuntimeStats } from './runtime-stats.js';

/** The primary's view of one worker process (a node:cluster Worker, or a fake in tests). */
export interface PoolWorker {
  readonly pid: number;
  /** Best effort: a worker that is gone drops the message. */
  send(msg: PrimaryToWorker): void;
  onMessage(fn: (msg: unknown) => void): void;
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  kill(signal: NodeJS.Signals): void;
}

/** Start the worker of `slot` (0-based, kept across restarts like ngx.worker.id()). */
export type ForkWorker = (slot: number) => PoolWorker;

export interface WorkerPoolOptions {
  size: number;
  fork: ForkWorker;
  logger: Logger;
  /** First restart delay after a crash; doubles per quick crash (default 100 ms). */
  restartMinMs?: number;
  /** Cap of the restart delay (default 5000 ms). */
  restartMaxMs?: number;
  /** A worker that ran this long before crashing restarts with the minimum delay (default 10 s). */
  stableMs?: number;
  /** Called when the pod cannot start at all: a worker died before any worker ever listened. */
  onFatal(reason: string): void;
}

interface Slot {
  id: number;
  worker: PoolWorker | undefined;
  reported: boolean;
  ready: boolean;
  startedAt: number;
  quickCrashes: number;
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * The data plane's worker processes (nginx's master/worker model): forks `size` workers,
 * tells them to open the port once all have loaded their configuration, restarts a crashed
 * one in its slot with capped exponential backoff, tracks each slot's readiness for the
 * status API, asks workers for their applied revision, and drains them.
 */
export class WorkerPool {
  private readonly slots: Slot[];
  private everListened = false;
  /** The port was opened: workers that become ready from now on listen at once. */
  private opened = false;
  private drainPromise: Promise<void> | undefined;
  private drainDeadlineMs: number | undefined;
  private allExited: (() => void) | undefined;
  private seq = 0;
  private readonly pending = new Map<number, (revision: number, runtime?: RuntimeStats) => void>();

  constructor(private readonly opts: WorkerPoolOptions) {
    this.slots = Array.from({ length: opts.size }, (_, id) => ({
      id,
      worker: undefined,
      reported: false,
      ready: false,
      startedAt: 0,
      quickCrashes: 0,
      restartTimer: undefined,
    }));
  }

  /** Fork every worker. */
  start(): void {
    for (const slot of this.slots) this.spawn(slot);
  }

  /** True once drain() was called. */
  get draining(): boolean {
    return this.drainPromise !== undefined;
  }

  /** Per-slot readiness inputs for the status API. */
  statuses(): WorkerStatus[] {
    return this.slots.map((s) => ({ id: s.id, reported: s.worker !== undefined && s.reported, ready: s.ready }));
  }

  /** Ask every live worker for its applied revision; a worker silent for `timeoutMs` reports null. */
  async revisions(timeoutMs = 1000): Promise<PodRevision> {
    const workers = await Promise.all(this.slots.map((s) => this.askRevision(s, timeoutMs)));
    const known = workers.map((w) => w.revision);
    const revision = known.some((r) => r === null) ? null : Math.min(...(known as number[]));
    return { revision, workers };
  }

  /**
   * Tell every worker to drain within `deadlineMs`; SIGKILL whatever still runs `killGraceMs`
   * later. Resolves once every worker has exited. Crashed workers are no longer restarted.
   */
  drain(deadlineMs: number, killGraceMs = 5000): Promise<void> {
    this.drainPromise ??= new Promise<void>((resolve) => {
      this.allExited = resolve;
      this.drainDeadlineMs = deadlineMs;
      for (const s of this.slots) {
        clearTimeout(s.restartTimer);
        s.restartTimer = undefined;
        s.worker?.send({ portico: 'drain', deadlineMs });
      }
      const killer = setTimeout(() => {
        for (const s of this.slots) s.worker?.kill('SIGKILL');
      }, deadlineMs + killGraceMs);
      killer.unref();
      this.checkAllExited();
    });
    return this.drainPromise;
  }

  private spawn(slot: Slot): void {
    slot.restartTimer = undefined;
    slot.reported = false;
    slot.ready = false;
    slot.startedAt = Date.now();
    const w = this.opts.fork(slot.id);
    slot.worker = w;
    let listened = false;
    w.onMessage((msg) => {
      if (!isWorkerMessage(msg) || slot.worker !== w) return;
      switch (msg.portico) {
        case 'started':
          slot.reported = true;
          // A drain sent while the worker was still loading its modules had no listener yet.
          if (this.drainDeadlineMs !== undefined) w.send({ portico: 'drain', deadlineMs: this.drainDeadlineMs });
          break;
        case 'ready':
          slot.reported = true;
          slot.ready = true;
          this.openWhenAllReady(slot);
          break;
        case 'listening':
          listened = true;
          this.everListened = true;
          break;
        default:
          this.pending.get(msg.seq)?.(msg.revision, msg.runtime);
      }
    });
    w.onExit((code, signal) => {
      if (slot.worker !== w) return;
      slot.worker = undefined;
      slot.reported = false;
      slot.ready = false;
      if (this.draining) return this.checkAllExited();
      if (!listened && !this.everListened) {
        return this.opts.onFatal(`worker ${slot.id} exited (${signal ?? `code ${code}`}) before the data plane could listen`);
      }
      const ranMs = Date.now() - slot.startedAt;
      slot.quickCrashes = ranMs >= (this.opts.stableMs ?? 10_000) ? 0 : slot.quickCrashes + 1;
      const min = this.opts.restartMinMs ?? 100;
      const delay = Math.min(this.opts.restartMaxMs ?? 5000, min * 2 ** Math.max(0, slot.quickCrashes - 1));
      this.opts.logger.error(
        { worker: slot.id, pid: w.pid, code, signal, restartInMs: delay },
        'data-plane worker exited unexpectedly, restarting it',
      );
      slot.restartTimer = setTimeout(() => this.spawn(slot), delay);
    });
  }

  /**
   * The port opens only once every worker has loaded its configuration, so that an open port
   * means a ready pod (no "config not loaded yet" answers); later (restarted) workers join as
   * soon as they are ready themselves.
   */
  private openWhenAllReady(slot: Slot): void {
    if (this.draining) return;
    if (this.opened) return slot.worker?.send({ portico: 'listen' });
    if (!this.slots.every((s) => s.ready)) return;
    this.opened = true;
    for (const s of this.slots) s.worker?.send({ portico: 'listen' });
  }

  private askRevision(slot: Slot, timeoutMs: number): Promise<WorkerRevision> {
    const w = slot.worker;
    const base = { id: slot.id, pid: w?.pid ?? 0, ready: slot.ready };
    if (w === undefined) return Promise.resolve({ ...base, revision: null });
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const done = (revision: number | null, runtime?: RuntimeStats): void => {
        clearTimeout(timer);
        this.pending.delete(seq);
        resolve({ ...base, revision, ...(runtime ? runtime : {}) });
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.pending.set(seq, done);
      w.send({ portico: 'revision?', seq });
    });
  }

  private checkAllExited(): void {
    if (this.slots.every((s) => s.worker === undefined)) this.allExited?.();
  }
}
