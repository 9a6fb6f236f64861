import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSharedCounters } from './store/ipc-host.js';
import { runQuota, type ResolvedQuota } from './quota.js';
import type { FixtureCall, FixtureReport } from './shared-counters.worker.case.js';
import { SharedCounterClient, SharedCounterError, type CounterChannel } from './store/ipc-client.js';
import type { SharedCountersHost } from './store/ipc-host.js';
import { COUNTER_REPLY, COUNTER_REQUEST, SHARED_COUNTERS_ENV, type CounterRequest } from './store/ipc-protocol.js';
import { localCounterStore } from './store/local.js';
import { localPolicyStore } from './store/select.js';
import type { CounterState, CounterStore } from './store/types.js';

const quota = (limit: number): ResolvedQuota => ({
  key: 'instance:openai',
  limit,
  timeWindow: 60,
  headers: { limit: 'l', remaining: 'r', reset: 's' },
});

/** A fake IPC channel: records requests, replies when told to. */
function fakeChannel(connected = true) {
  const sent: CounterRequest[] = [];
  let deliver: (msg: unknown) => void = () => undefined;
  const channel: CounterChannel = {
    send: (m) => (connected ? (sent.push(m), true) : false),
    onMessage: (fn) => void (deliver = fn),
  };
  return { channel, sent, deliver: (m: unknown) => deliver(m) };
}

describe('policy local store selection', () => {
  it('uses the in-process store outside a cluster worker, even with the shared flag set', () => {
    const before = process.env[SHARED_COUNTERS_ENV];
    process.env[SHARED_COUNTERS_ENV] = '1';
    try {
      expect(cluster.isWorker).toBe(false);
      expect(localPolicyStore()).toBe(localCounterStore);
    } finally {
      if (before === undefined) delete process.env[SHARED_COUNTERS_ENV];
      else process.env[SHARED_COUNTERS_ENV] = before;
    }
  });
});

describe('SharedCounterClient', () => {
  it('sends one tagged request per call and resolves with the primary reply', async () => {
    const f = fakeChannel();
    const c = new SharedCounterClient(f.channel, 1000);
    const p = c.incoming('k', 60, 31);
    expect(f.sent).toEqual([{ portico: COUNTER_REQUEST, id: 1, key: 'k', window: 60, cost: 31 }]);
    f.deliver({ portico: 'ready', revision: 3 }); // the data plane's own IPC: ignored
    f.deliver({ portico: COUNTER_REPLY, id: 99, consumed: 1, ttlMs: 1 }); // nobody waits for it
    f.deliver({ portico: COUNTER_REPLY, id: 1, consumed: 31, ttlMs: 60000 });
    expect(await p).toMatchObject({ consumed: 31, ttlMs: 60000 });
    expect(c.inFlight).toBe(0);
  });

  it('rejects with COUNTER_IPC_TIMEOUT when the primary does not answer in time; a late answer is dropped', async () => {
    const f = fakeChannel();
    const c = new SharedCounterClient(f.channel, 40);
    const t0 = Date.now();
    const err = await Promise.resolve(c.incoming('k', 60, 0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SharedCounterError);
    expect((err as SharedCounterError).code).toBe('COUNTER_IPC_TIMEOUT');
    expect((err as Error).message).toBe('shared counters: no answer from the primary within 40 ms');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(39);
    f.deliver({ portico: COUNTER_REPLY, id: 1, consumed: 0, ttlMs: -1 });
    expect(c.inFlight).toBe(0);
  });

  it('rejects at once with COUNTER_IPC_CLOSED when the channel to the primary is closed', async () => {
    const c = new SharedCounterClient(fakeChannel(false).channel, 1000);
    const err = await Promise.resolve(c.incoming('k', 60, 1)).catch((e: unknown) => e);
    expect((err as SharedCounterError).code).toBe('COUNTER_IPC_CLOSED');
    expect(c.inFlight).toBe(0);
  });

  it('rejects with COUNTER_HOST_ERROR carrying the primary error', async () => {
    const f = fakeChannel();
    const c = new SharedCounterClient(f.channel, 1000);
    const p = Promise.resolve(c.incoming('k', 60, 1)).catch((e: unknown) => e);
    f.deliver({ portico: COUNTER_REPLY, id: 1, error: 'counter window must be a positive number' });
    const err = (await p) as SharedCounterError;
    expect([err.code, err.message]).toEqual(['COUNTER_HOST_ERROR', 'shared counters: counter window must be a positive number']);
  });

  it('a timed-out check is a quota error, which the plugin hands to allow_degradation', async () => {
    const c = new SharedCounterClient(fakeChannel().channel, 20);
    expect(await runQuota(c, 'k', quota(10), 1, true)).toEqual({
      kind: 'error',
      error: 'shared counters: no answer from the primary within 20 ms',
    });
  });
});

describe('counters hosted by a real cluster primary', () => {
  let host: SharedCountersHost;
  const workers: Worker[] = [];
  let seq = 0;

  /** Fork a worker running shared-counters.worker.case.ts; resolves once it reports. */
  const fork = (): Promise<{ worker: Worker; shared: boolean }> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork();
      workers.push(w);
      w.on('error', reject);
      w.on('exit', (code) => reject(new Error(`worker exited ${code}`)));
      w.on('message', (m: FixtureReport) => {
        if (m.fixture === 'up') resolve({ worker: w, shared: m.shared });
      });
    });

  /** A CounterStore whose calls run inside worker `w` (through its own policy-local store). */
  const inWorker = (w: Worker): CounterStore => ({
    incoming: (key, window, cost) =>
      new Promise<CounterState>((resolve, reject) => {
        const id = ++seq;
        const on = (m: FixtureReport): void => {
          if (m.fixture !== 'result' || m.seq !== id) return;
          w.off('message', on);
          if ('error' in m) reject(new Error(`${m.code}: ${m.error}`));
          else resolve({ consumed: m.consumed, ttlMs: m.ttlMs });
        };
        w.on('message', on);
        w.send({ fixture: 'incoming', seq: id, key, window, cost } satisfies FixtureCall);
      }),
    release: () => undefined,
  });

  beforeAll(() => {
    host = hostSharedCounters();
    const hooks = pathToFileURL(fileURLToPath(new URL('./shared-counters.hooks.mjs', import.meta.url))).href;
    cluster.setupPrimary({
      exec: fileURLToPath(new URL('./shared-counters.worker.case.ts', import.meta.url)),
      execArgv: ['--import', `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(hooks)})`],
      silent: false,
    });
  });
  afterAll(() => {
    for (const w of workers) w.process.kill('SIGKILL');
    host?.close();
    delete process.env[SHARED_COUNTERS_ENV];
  });

  it('hostSharedCounters is idempotent: a second call returns the same host (no double counting)', () => {
    expect(hostSharedCounters()).toBe(host);
    expect(process.env[SHARED_COUNTERS_ENV]).toBe('1');
  });

  it('two workers share one quota: a 10-token quota spent through worker A rejects worker B', async () => {
    const [a, b] = await Promise.all([fork(), fork()]);
    expect([a.shared, b.shared]).toEqual([true, true]);
    const A = inWorker(a.worker);
    const B = inWorker(b.worker);
    const key = 'route:1:abcd:instance:openai';
    // Dry run before any commit: no window yet, so Reset is the whole window.
    expect(await runQuota(B, key, quota(10), 1, true)).toEqual({ kind: 'pass', limit: 10, remaining: 9, reset: 60 });
    expect(await runQuota(A, key, quota(10), 8, false)).toEqual({ kind: 'pass', limit: 10, remaining: 2, reset: 60 });
    expect(await runQuota(B, key, quota(10), 1, true)).toEqual({ kind: 'pass', limit: 10, remaining: 1, reset: 60 });
    // A commit always counts (13 > 10): the log phase charges what the LLM actually used.
    expect(await runQuota(B, key, quota(10), 5, false)).toEqual({ kind: 'rejected', limit: 10, reset: 60 });
    expect(await runQuota(A, key, quota(10), 1, true)).toEqual({ kind: 'rejected', limit: 10, reset: 60 });
    expect(await runQuota(B, key, quota(10), 1, true)).toEqual({ kind: 'rejected', limit: 10, reset: 60 });
    expect((await host.store.incoming(key, 60, 0)).consumed).toBe(13);
    // Another key (another route or instance) has its own counter.
    expect(await A.incoming('route:1:abcd:instance:deepseek', 60, 0)).toEqual({ consumed: 0, ttlMs: -1 });
  });

  it('concurrent commits from both workers are all counted, once each', async () => {
    const [A, B] = workers.slice(0, 2).map(inWorker) as [CounterStore, CounterStore];
    const calls = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? A : B).incoming('concurrent', 60, 1));
    const seen = (await Promise.all(calls)).map((s) => s.consumed).sort((x, y) => x - y);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('keeps the counters across a worker restart: the replacement worker sees the spent quota', async () => {
    const A = inWorker(workers[0]!);
    await A.incoming('restart', 60, 7);
    const dead = workers.shift()!;
    dead.removeAllListeners('exit');
    const exited = new Promise((r) => dead.once('exit', r));
    dead.process.kill('SIGKILL');
    await exited;
    const { worker, shared } = await fork();
    expect(shared).toBe(true);
    expect((await inWorker(worker).incoming('restart', 60, 0)).consumed).toBe(7);
    expect((await inWorker(workers[0]!).incoming('restart', 60, 3)).consumed).toBe(10);
  });
});
