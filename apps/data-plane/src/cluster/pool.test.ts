import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import type { PrimaryToWorker } from './messages.js';
import { WorkerPool, type PoolWorker } from './pool.js';

/** A scripted worker process. */
class FakeWorker implements PoolWorker {
  static nextPid = 100;
  readonly pid = FakeWorker.nextPid++;
  readonly sent: PrimaryToWorker[] = [];
  killed: NodeJS.Signals | undefined;
  revision = 0;
  runtime: unknown;
  answerRevision = true;
  private msgFns: Array<(m: unknown) => void> = [];
  private exitFns: Array<(code: number | null, signal: string | null) => void> = [];
  constructor(readonly slot: number) {}
  send(msg: PrimaryToWorker): void {
    this.sent.push(msg);
    if (msg.portico === 'revision?' && this.answerRevision) {
      queueMicrotask(() =>
        this.emit({
          portico: 'revision',
          seq: msg.seq,
          revision: this.revision,
          ...(this.runtime ? { runtime: this.runtime } : {}),
        }),
      );
    }
  }
  onMessage(fn: (m: unknown) => void): void {
    this.msgFns.push(fn);
  }
  onExit(fn: (code: number | null, signal: string | null) => void): void {
    this.exitFns.push(fn);
  }
  kill(signal: NodeJS.Signals): void {
    this.killed = signal;
    this.exit(null, signal);
  }
  emit(m: unknown): void {
    for (const f of this.msgFns) f(m);
  }
  exit(code: number | null, signal: string | null = null): void {
    for (const f of this.exitFns) f(code, signal);
  }
}

let forked: FakeWorker[];
let fatal: string[];
function pool(size: number): WorkerPool {
  return new WorkerPool({
    size,
    logger: silentLogger,
    fork: (slot) => {
      const w = new FakeWorker(slot);
      forked.push(w);
      return w;
    },
    restartMinMs: 100,
    restartMaxMs: 400,
    stableMs: 10_000,
    onFatal: (reason) => fatal.push(reason),
  });
}

beforeEach(() => {
  forked = [];
  fatal = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WorkerPool', () => {
  it('forks one worker per slot and reports each slot ready after its first load', () => {
    const p = pool(2);
    p.start();
    expect(forked.map((w) => w.slot)).toEqual([0, 1]);
    expect(p.statuses()).toEqual([
      { id: 0, reported: false, ready: false },
      { id: 1, reported: false, ready: false },
    ]);
    forked[0]!.emit({ portico: 'started' });
    forked[1]!.emit({ portico: 'ready', revision: 5 });
    expect(p.statuses()).toEqual([
      { id: 0, reported: true, ready: false },
      { id: 1, reported: true, ready: true },
    ]);
  });

  it('opens the port only once every worker has loaded, and at once for a worker restarted later', () => {
    const p = pool(2);
    p.start();
    forked[1]!.emit({ portico: 'ready', revision: 5 });
    expect(forked.map((w) => w.sent)).toEqual([[], []]);
    forked[0]!.emit({ portico: 'ready', revision: 5 });
    expect(forked.map((w) => w.sent)).toEqual([[{ portico: 'listen' }], [{ portico: 'listen' }]]);
    for (const w of forked) w.emit({ portico: 'listening' });
    forked[1]!.exit(1);
    vi.advanceTimersByTime(100);
    const replacement = forked[2]!;
    expect(replacement.slot).toBe(1);
    expect(replacement.sent).toEqual([]);
    replacement.emit({ portico: 'ready', revision: 6 });
    expect(replacement.sent).toEqual([{ portico: 'listen' }]);
    expect(p.statuses()).toEqual([
      { id: 0, reported: true, ready: true },
      { id: 1, reported: true, ready: true },
    ]);
  });

  it('restarts a crashed worker in its slot with doubling, capped delays', () => {
    const p = pool(1);
    p.start();
    forked[0]!.emit({ portico: 'ready', revision: 1 });
    forked[0]!.emit({ portico: 'listening' });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = forked.length;
      forked.at(-1)!.exit(1);
      expect(p.statuses()).toEqual([{ id: 0, reported: false, ready: false }]);
      let waited = 0;
      while (forked.length === before) {
        vi.advanceTimersByTime(10);
        waited += 10;
      }
      delays.push(waited);
      expect(forked.at(-1)!.slot).toBe(0);
    }
    expect(delays).toEqual([100, 200, 400, 400]);
    expect(fatal).toEqual([]);
  });

  it('gives up (fatal) when a worker dies before any worker ever listened', () => {
    const p = pool(2);
    p.start();
    forked[0]!.exit(1);
    expect(fatal).toEqual(['worker 0 exited (code 1) before the data plane could listen']);
    vi.advanceTimersByTime(10_000);
    expect(forked).toHaveLength(2);
  });

  it('reports the lowest revision over workers, and null for a worker that does not answer', async () => {
    vi.useRealTimers();
    const p = pool(2);
    p.start();
    forked[0]!.revision = 12;
    forked[1]!.revision = 10;
    expect(await p.revisions(50)).toEqual({
      revision: 10,
      workers: [
        { id: 0, pid: forked[0]!.pid, ready: false, revision: 12 },
        { id: 1, pid: forked[1]!.pid, ready: false, revision: 10 },
      ],
    });
    forked[1]!.answerRevision = false;
    const r = await p.revisions(50);
    expect(r.revision).toBeNull();
    expect(r.workers.map((w) => w.revision)).toEqual([12, null]);
  });

  it("adds each worker's memory and event-loop delay to its revision entry", async () => {
    vi.useRealTimers();
    const p = pool(1);
    p.start();
    const runtime = {
      rssBytes: 90e6,
      heapUsedBytes: 30e6,
      eventLoopDelayMs: { windowMs: 10_000, p50: 10.1, p99: 12.5, max: 20 },
    };
    forked[0]!.runtime = runtime;
    expect((await p.revisions(50)).workers).toEqual([{ id: 0, pid: forked[0]!.pid, ready: false, revision: 0, ...runtime }]);
  });

  it('drains: tells every worker the deadline, stops restarting, resolves when all exited', async () => {
    const p = pool(2);
    p.start();
    for (const w of forked) w.emit({ portico: 'listening' });
    let done = false;
    const drained = p.drain(3000).then(() => (done = true));
    expect(p.draining).toBe(true);
    expect(forked.map((w) => w.sent)).toEqual([
      [{ portico: 'drain', deadlineMs: 3000 }],
      [{ portico: 'drain', deadlineMs: 3000 }],
    ]);
    forked[0]!.exit(0);
    vi.advanceTimersByTime(1000);
    await Promise.resolve();
    expect(done).toBe(false);
    expect(forked).toHaveLength(2);
    forked[1]!.exit(0);
    await drained;
    expect(done).toBe(true);
  });

  it('repeats the drain to a worker that reports started after the drain began', () => {
    const p = pool(1);
    p.start();
    void p.drain(3000);
    forked[0]!.emit({ portico: 'started' });
    expect(forked[0]!.sent).toEqual([
      { portico: 'drain', deadlineMs: 3000 },
      { portico: 'drain', deadlineMs: 3000 },
    ]);
  });

  it('SIGKILLs workers still running after the deadline plus the grace period', async () => {
    const p = pool(1);
    p.start();
    forked[0]!.emit({ portico: 'listening' });
    const drained = p.drain(1000, 500);
    vi.advanceTimersByTime(1499);
    expect(forked[0]!.killed).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(forked[0]!.killed).toBe('SIGKILL');
    await drained;
  });
});
