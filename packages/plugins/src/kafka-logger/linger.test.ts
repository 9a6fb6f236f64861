import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUFFER_OVERFLOW, LingerBuffer, type LingerLimits } from './linger.js';

const LIMITS: LingerLimits = { batchNum: 3, batchSize: 1 << 20, maxBuffering: 5, lingerMs: 1000 };

function recorder(fail?: () => Error | undefined) {
  const requests: string[][] = [];
  const deliver = async (values: readonly string[]): Promise<void> => {
    requests.push([...values]);
    const err = fail?.();
    if (err) throw err;
  };
  return { requests, deliver };
}

afterEach(() => vi.useRealTimers());

describe('LingerBuffer (producer_type async)', () => {
  it('holds messages for producer_time_linger, then sends them in one request', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const buf = new LingerBuffer(LIMITS, r.deliver);
    const a = buf.add('a');
    const b = buf.add('b');
    await vi.advanceTimersByTimeAsync(999);
    expect(r.requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await expect(Promise.all([a, b])).resolves.toEqual([undefined, undefined]);
    expect(r.requests).toEqual([['a', 'b']]);
  });

  it('sends at once when producer_batch_num messages or producer_batch_size bytes are waiting', async () => {
    const r = recorder();
    const buf = new LingerBuffer({ ...LIMITS, batchSize: 10 }, r.deliver);
    await Promise.all([buf.add('1'), buf.add('2'), buf.add('3')]);
    expect(r.requests).toEqual([['1', '2', '3']]);
    await buf.add('0123456789');
    expect(r.requests[1]).toEqual(['0123456789']);
    expect(buf.waiting).toBe(0);
  });

  it('rejects every message of a failed request with its error, and refuses more than producer_max_buffering', async () => {
    vi.useFakeTimers();
    const r = recorder(() => new Error('broker down'));
    const buf = new LingerBuffer({ ...LIMITS, batchNum: 100, maxBuffering: 2 }, r.deliver);
    const a = buf.add('a');
    const b = buf.add('b');
    await expect(buf.add('c')).rejects.toThrow(BUFFER_OVERFLOW);
    const settled = Promise.allSettled([a, b]);
    await vi.advanceTimersByTimeAsync(1000);
    expect((await settled).map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'ok'))).toEqual([
      'broker down',
      'broker down',
    ]);
  });

  it('drain sends what waits and resolves once the request settled, leaving no timer', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const buf = new LingerBuffer(LIMITS, r.deliver);
    const a = buf.add('a');
    await buf.drain();
    await expect(a).resolves.toBeUndefined();
    expect(r.requests).toEqual([['a']]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
