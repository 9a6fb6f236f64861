import cluster, { type Worker } from 'node:cluster';
import { afterEach, describe, expect, it } from 'vitest';
import type { PodChannel } from '../pod-shared/channel.js';
import { SharedLimitsClient, type SharedLimitsError } from './ipc-client.js';
import { hostSharedLimits, type SharedLimitsHost } from './ipc-host.js';
import { LIMITS_REPLY, LIMITS_REQUEST, SHARED_LIMITS_ENV, type LimitsRequest } from './ipc-protocol.js';
import { LocalLimits } from './local-limits.js';

function fakeChannel() {
  const sent: LimitsRequest[] = [];
  let deliver: (msg: unknown) => void = () => undefined;
  const channel: PodChannel<LimitsRequest> = { send: (m) => (sent.push(m), true), onMessage: (fn) => void (deliver = fn) };
  return { channel, sent, deliver: (m: unknown) => deliver(m) };
}

describe('SharedLimitsClient', () => {
  it('sends one tagged request per call and resolves with the result of the matching reply', async () => {
    const f = fakeChannel();
    const c = new SharedLimitsClient(f.channel, 1000);
    const p = c.connIn('k', 3);
    expect(f.sent).toEqual([{ portico: LIMITS_REQUEST, id: 1, op: 'connIn', key: 'k', max: 3 }]);
    f.deliver({ portico: 'pod-seq', id: 1, n: 5 }); // another family: ignored
    f.deliver({ portico: LIMITS_REPLY, id: 1, result: 2 });
    expect(await p).toBe(2);
  });
  it('rejects with LIMITS_IPC_TIMEOUT when the primary does not answer, and LIMITS_HOST_ERROR on an error reply', async () => {
    const silent = new SharedLimitsClient(fakeChannel().channel, 30);
    const err = (await silent.connOut('k').catch((e: unknown) => e)) as SharedLimitsError;
    expect([err.code, err.message]).toEqual(['LIMITS_IPC_TIMEOUT', 'shared limits: no answer from the primary within 30 ms']);
    const f = fakeChannel();
    const p = new SharedLimitsClient(f.channel).leaky('k', 1000, 0, true).catch((e: unknown) => e);
    f.deliver({ portico: LIMITS_REPLY, id: 1, error: 'leaky bucket needs rate > 0 and burst >= 0' });
    expect(((await p) as SharedLimitsError).code).toBe('LIMITS_HOST_ERROR');
  });
});

describe('SharedLimitsClient connIn timeout', () => {
  it("sends a connCancel with the connIn's id when it gives up, so a late count-in is counted out", async () => {
    const f = fakeChannel();
    const c = new SharedLimitsClient(f.channel, 30);
    const err = (await c.connIn('k', 2).catch((e: unknown) => e)) as SharedLimitsError;
    expect(err.code).toBe('LIMITS_IPC_TIMEOUT');
    expect(f.sent).toEqual([
      { portico: LIMITS_REQUEST, id: 1, op: 'connIn', key: 'k', max: 2 },
      { portico: LIMITS_REQUEST, id: 2, op: 'connCancel', key: 'k', token: 1 },
    ]);
  });
});

describe('hostSharedLimits', () => {
  let host: SharedLimitsHost | undefined;
  afterEach(() => {
    host?.close();
    host = undefined;
    delete process.env[SHARED_LIMITS_ENV];
  });
  let workerIds = 0;
  const fakeWorker = () => {
    const got: unknown[] = [];
    return {
      got,
      worker: { id: ++workerIds, isConnected: () => true, send: (m: unknown) => (got.push(m), true) } as unknown as Worker,
    };
  };
  const flush = () => new Promise((r) => setImmediate(r));

  it('answers every worker from the one pod table, and refuses malformed requests', async () => {
    host = hostSharedLimits(new LocalLimits(() => 0));
    expect(process.env[SHARED_LIMITS_ENV]).toBe('1');
    const a = fakeWorker();
    const b = fakeWorker();
    cluster.emit('message', a.worker, { portico: LIMITS_REQUEST, id: 1, op: 'connIn', key: 'k', max: 2 });
    cluster.emit('message', b.worker, { portico: LIMITS_REQUEST, id: 1, op: 'connIn', key: 'k', max: 2 });
    cluster.emit('message', b.worker, { portico: LIMITS_REQUEST, id: 2, op: 'connIn', key: 'k', max: 2 });
    cluster.emit('message', a.worker, { portico: LIMITS_REQUEST, id: 2, op: 'connOut', key: 'k' });
    cluster.emit('message', a.worker, { portico: LIMITS_REQUEST, id: 3, op: 'leaky', key: 'k', rate: 0, burst: 0, commit: true });
    cluster.emit('message', a.worker, { portico: LIMITS_REQUEST, id: 4, op: 'sliding', key: 's', limit: 1, window: 10, cost: 1 });
    await flush();
    expect(a.got).toEqual([
      { portico: LIMITS_REPLY, id: 1, result: 1 },
      { portico: LIMITS_REPLY, id: 2, result: 1 },
      { portico: LIMITS_REPLY, id: 3, error: 'leaky bucket needs rate > 0 and burst >= 0' },
      { portico: LIMITS_REPLY, id: 4, result: { accepted: true, count: 1, last: 0, remainingTime: 10 } },
    ]);
    expect(b.got).toEqual([
      { portico: LIMITS_REPLY, id: 1, result: 2 },
      { portico: LIMITS_REPLY, id: 2, result: 'rejected' },
    ]);
  });

  it('counts out the limit-conn slots of a worker that exits', async () => {
    const limits = new LocalLimits(() => 0);
    host = hostSharedLimits(limits);
    const dying = fakeWorker();
    const alive = fakeWorker();
    cluster.emit('message', dying.worker, { portico: LIMITS_REQUEST, id: 1, op: 'connIn', key: 'k', max: 5 });
    cluster.emit('message', dying.worker, { portico: LIMITS_REQUEST, id: 2, op: 'connIn', key: 'k', max: 5 });
    cluster.emit('message', dying.worker, { portico: LIMITS_REQUEST, id: 3, op: 'connOut', key: 'k' });
    cluster.emit('message', alive.worker, { portico: LIMITS_REQUEST, id: 1, op: 'connIn', key: 'k', max: 5 });
    expect(limits.connections('k')).toBe(2);
    cluster.emit('exit', dying.worker, 1, null);
    expect(limits.connections('k')).toBe(1);
    cluster.emit('exit', dying.worker, 1, null); // twice: nothing more
    expect(limits.connections('k')).toBe(1);
  });

  it('connCancel counts out an admitted connIn once, and nothing for a rejected or unknown one', async () => {
    const limits = new LocalLimits(() => 0);
    host = hostSharedLimits(limits);
    const w = fakeWorker();
    cluster.emit('message', w.worker, { portico: LIMITS_REQUEST, id: 1, op: 'connIn', key: 'k', max: 1 });
    cluster.emit('message', w.worker, { portico: LIMITS_REQUEST, id: 2, op: 'connIn', key: 'k', max: 1 }); // rejected
    cluster.emit('message', w.worker, { portico: LIMITS_REQUEST, id: 3, op: 'connCancel', key: 'k', token: 2 });
    expect(limits.connections('k')).toBe(1);
    cluster.emit('message', w.worker, { portico: LIMITS_REQUEST, id: 4, op: 'connCancel', key: 'k', token: 1 });
    cluster.emit('message', w.worker, { portico: LIMITS_REQUEST, id: 5, op: 'connCancel', key: 'k', token: 1 });
    expect(limits.connections('k')).toBe(0);
    await flush();
    expect(w.got.slice(2)).toEqual([
      { portico: LIMITS_REPLY, id: 3, result: -1 },
      { portico: LIMITS_REPLY, id: 4, result: 0 },
      { portico: LIMITS_REPLY, id: 5, result: -1 },
    ]);
    cluster.emit('exit', w.worker, 1, null); // nothing left to count out
    expect(limits.connections('k')).toBe(0);
  });
});
