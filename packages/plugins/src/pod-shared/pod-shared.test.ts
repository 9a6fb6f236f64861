import cluster, { type Worker } from 'node:cluster';
import { afterEach, describe, expect, it } from 'vitest';
import type { PodChannel } from './channel.js';
import { confId } from './conf-id.js';
import { podSequences, SharedSequenceClient, SharedSequenceError } from './sequence-client.js';
import { hostSharedSequences, type SharedSequencesHost } from './sequence-host.js';
import { SEQUENCE_REPLY, SEQUENCE_REQUEST, SHARED_SEQUENCES_ENV, type SequenceRequest } from './sequence-protocol.js';
import { SEQUENCE_IDLE_MS, SequenceTable } from './sequence-table.js';

/** A fake IPC channel: records requests, replies when told to. */
function fakeChannel(connected = true) {
  const sent: SequenceRequest[] = [];
  let deliver: (msg: unknown) => void = () => undefined;
  const channel: PodChannel<SequenceRequest> = {
    send: (m) => (connected ? (sent.push(m), true) : false),
    onMessage: (fn) => void (deliver = fn),
  };
  return { channel, sent, deliver: (m: unknown) => deliver(m) };
}

describe('SequenceTable', () => {
  it('counts up by one per key from a random start, each key on its own', () => {
    const t = new SequenceTable(
      () => 0,
      () => 0.5,
    );
    expect([t.next('a'), t.next('a'), t.next('b'), t.next('a')]).toEqual([524288, 524289, 524288, 524290]);
    expect(t.size).toBe(2);
  });

  it('drops sequences idle for SEQUENCE_IDLE_MS (checked every 1024 calls); a dropped key restarts', () => {
    let now = 0;
    const t = new SequenceTable(
      () => now,
      () => 0,
    );
    t.next('old');
    now = SEQUENCE_IDLE_MS;
    for (let i = 0; i < 1023; i++) t.next('hot');
    expect(t.size).toBe(1);
    expect(t.next('old')).toBe(0);
  });
});

describe('SharedSequenceClient', () => {
  it('sends one tagged request per call and resolves with the number of the matching reply', async () => {
    const f = fakeChannel();
    const c = new SharedSequenceClient(f.channel, 1000);
    const p = c.next('/apisix/routes/1:0badf00d:0');
    expect(f.sent).toEqual([{ portico: SEQUENCE_REQUEST, id: 1, key: '/apisix/routes/1:0badf00d:0' }]);
    f.deliver({ portico: 'ai-rl-counter', id: 1, consumed: 5, ttlMs: 1 }); // another family: ignored
    f.deliver({ portico: SEQUENCE_REPLY, id: 7, n: 1 }); // nobody waits for it
    f.deliver({ portico: SEQUENCE_REPLY, id: 1, n: 42 });
    expect(await p).toBe(42);
    expect(c.inFlight).toBe(0);
  });

  it('rejects with SEQUENCE_IPC_TIMEOUT when the primary does not answer in time', async () => {
    const c = new SharedSequenceClient(fakeChannel().channel, 30);
    const err = (await c.next('k').catch((e: unknown) => e)) as SharedSequenceError;
    expect(err).toBeInstanceOf(SharedSequenceError);
    expect([err.code, err.message]).toEqual([
      'SEQUENCE_IPC_TIMEOUT',
      'shared sequences: no answer from the primary within 30 ms',
    ]);
    expect(c.inFlight).toBe(0);
  });

  it('rejects at once with SEQUENCE_IPC_CLOSED on a closed channel, and SEQUENCE_HOST_ERROR on an error reply', async () => {
    const closed = (await new SharedSequenceClient(fakeChannel(false).channel)
      .next('k')
      .catch((e: unknown) => e)) as SharedSequenceError;
    expect(closed.code).toBe('SEQUENCE_IPC_CLOSED');
    const f = fakeChannel();
    const p = new SharedSequenceClient(f.channel).next('k').catch((e: unknown) => e);
    f.deliver({ portico: SEQUENCE_REPLY, id: 1, error: 'sequence key must be a string' });
    const err = (await p) as SharedSequenceError;
    expect([err.code, err.message]).toEqual(['SEQUENCE_HOST_ERROR', 'shared sequences: sequence key must be a string']);
  });

  it('is not used outside a cluster worker, even with the shared flag set: no IPC at all', () => {
    const before = process.env[SHARED_SEQUENCES_ENV];
    process.env[SHARED_SEQUENCES_ENV] = '1';
    try {
      expect(cluster.isWorker).toBe(false);
      expect(podSequences()).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env[SHARED_SEQUENCES_ENV];
      else process.env[SHARED_SEQUENCES_ENV] = before;
    }
  });
});

describe('hostSharedSequences', () => {
  let host: SharedSequencesHost | undefined;
  afterEach(() => {
    host?.close();
    host = undefined;
    delete process.env[SHARED_SEQUENCES_ENV];
  });

  /** A worker stand-in: cluster's 'message' event carries it with each request. */
  const fakeWorker = (connected = true) => {
    const got: unknown[] = [];
    return { got, worker: { isConnected: () => connected, send: (m: unknown) => (got.push(m), true) } as unknown as Worker };
  };
  const flush = () => new Promise((r) => setImmediate(r));

  it('answers every worker from one sequence per key and sets the env flag for later forks', async () => {
    host = hostSharedSequences(new SequenceTable(Date.now, () => 0));
    expect(process.env[SHARED_SEQUENCES_ENV]).toBe('1');
    expect(hostSharedSequences()).toBe(host); // idempotent: no second listener
    const a = fakeWorker();
    const b = fakeWorker();
    cluster.emit('message', a.worker, { portico: SEQUENCE_REQUEST, id: 1, key: 'k' });
    cluster.emit('message', b.worker, { portico: SEQUENCE_REQUEST, id: 1, key: 'k' });
    cluster.emit('message', a.worker, { portico: SEQUENCE_REQUEST, id: 2, key: 'k' });
    cluster.emit('message', b.worker, { portico: SEQUENCE_REQUEST, id: 2, key: 'other' });
    cluster.emit('message', b.worker, { portico: SEQUENCE_REQUEST, id: 3, key: 5 });
    cluster.emit('message', b.worker, { portico: 'revision', seq: 1, revision: 3 }); // not ours
    await flush();
    expect(a.got).toEqual([
      { portico: SEQUENCE_REPLY, id: 1, n: 0 },
      { portico: SEQUENCE_REPLY, id: 2, n: 2 },
    ]);
    expect(b.got).toEqual([
      { portico: SEQUENCE_REPLY, id: 1, n: 1 },
      { portico: SEQUENCE_REPLY, id: 2, n: 0 },
      { portico: SEQUENCE_REPLY, id: 3, error: 'sequence key must be a string' },
    ]);
  });

  it('sends nothing to a disconnected worker and stops answering once closed', async () => {
    host = hostSharedSequences(new SequenceTable(Date.now, () => 0));
    const gone = fakeWorker(false);
    cluster.emit('message', gone.worker, { portico: SEQUENCE_REQUEST, id: 1, key: 'k' });
    host.close();
    const late = fakeWorker();
    cluster.emit('message', late.worker, { portico: SEQUENCE_REQUEST, id: 1, key: 'k' });
    await flush();
    expect([gone.got, late.got]).toEqual([[], []]);
  });
});

describe('confId', () => {
  it('is the same for equal confs whatever their key order, and differs when a value changes', () => {
    expect(confId({ a: 1, b: [{ x: 1, y: 2 }] })).toBe(confId({ b: [{ y: 2, x: 1 }], a: 1 }));
    expect(confId({ a: 1 })).not.toBe(confId({ a: 2 }));
    expect(confId({ a: 1 })).toMatch(/^[0-9a-f]{8}$/);
  });
});
