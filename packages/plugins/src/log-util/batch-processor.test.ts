import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger } from '../testing/logger-fake-context.js';
import { Backlog, BatchProcessor, type BatchConf, type BatchResult } from './batch-processor.js';

const conf = (over: Partial<BatchConf> = {}): BatchConf => ({
  name: 'test',
  batch_max_size: 3,
  inactive_timeout: 5,
  buffer_duration: 60,
  max_retry_count: 0,
  retry_delay: 1,
  ...over,
});

function recorder(results: BatchResult[] = []) {
  const batches: Array<{ entries: number[]; max: number }> = [];
  const send = async (entries: readonly number[], max: number): Promise<BatchResult> => {
    batches.push({ entries: [...entries], max });
    return results.shift() ?? { ok: true };
  };
  return { batches, send };
}

describe('BatchProcessor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('flushes as soon as batch_max_size entries are buffered', async () => {
    const r = recorder();
    const p = new BatchProcessor(conf(), r.send, recordingLogger());
    p.push(1);
    p.push(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.batches).toEqual([]);
    p.push(3);
    p.push(4);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.batches).toEqual([{ entries: [1, 2, 3], max: 3 }]);
    expect(p.activeTimers).toBe(1);
  });

  it('flushes after inactive_timeout seconds without a new entry', async () => {
    const r = recorder();
    const p = new BatchProcessor(conf({ inactive_timeout: 2 }), r.send, recordingLogger());
    p.push(1);
    await vi.advanceTimersByTimeAsync(1500);
    p.push(2); // activity postpones the flush
    await vi.advanceTimersByTimeAsync(1999);
    expect(r.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.batches).toEqual([{ entries: [1, 2], max: 3 }]);
    expect(p.activeTimers).toBe(0);
  });

  it('flushes after buffer_duration even while entries keep arriving', async () => {
    const r = recorder();
    const p = new BatchProcessor(
      conf({ batch_max_size: 100, inactive_timeout: 2, buffer_duration: 3 }),
      r.send,
      recordingLogger(),
    );
    for (let i = 0; i < 6; i++) {
      p.push(i);
      await vi.advanceTimersByTimeAsync(600);
    }
    expect(r.batches).toEqual([{ entries: [0, 1, 2, 3, 4], max: 100 }]);
  });

  it('sends each entry immediately when batch_max_size is 1', async () => {
    const r = recorder();
    const p = new BatchProcessor(conf({ batch_max_size: 1 }), r.send, recordingLogger());
    p.push(7);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.batches).toEqual([{ entries: [7], max: 1 }]);
    expect(p.activeTimers).toBe(0);
  });

  it('retries a failed batch max_retry_count times, retry_delay apart, then drops it with an error', async () => {
    const r = recorder([
      { ok: false, error: 'boom' },
      { ok: false, error: 'boom' },
      { ok: false, error: 'boom' },
    ]);
    const logger = recordingLogger();
    const p = new BatchProcessor(conf({ batch_max_size: 1, max_retry_count: 2, retry_delay: 1 }), r.send, logger);
    p.push(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(r.batches.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.batches.length).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.batches.length).toBe(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.batches.length).toBe(3);
    expect(logger.lines.map((l) => l.msg)).toEqual([
      'Batch Processor[test] failed to process entries',
      'Batch Processor[test] failed to process entries',
      'Batch Processor[test] failed to process entries',
      'Batch Processor[test] exceeded the max_retry_count[3] dropping the entries',
    ]);
    expect(p.processedEntries).toBe(1);
  });

  it('retries only the entries from failedFrom on a partial failure', async () => {
    const r = recorder([{ ok: false, error: 'half', failedFrom: 2 }]);
    const p = new BatchProcessor(conf({ max_retry_count: 1 }), r.send, recordingLogger());
    p.push(1);
    p.push(2);
    p.push(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.batches.map((b) => b.entries)).toEqual([[1, 2, 3], [3]]);
  });

  it('close() flushes the buffer, fires pending retries once and leaves no timer', async () => {
    const r = recorder([{ ok: false, error: 'down' }]);
    const p = new BatchProcessor(conf({ batch_max_size: 2, max_retry_count: 5, retry_delay: 30 }), r.send, recordingLogger());
    p.push(1);
    p.push(2); // flushed at size, fails, retry armed
    await vi.advanceTimersByTimeAsync(0);
    p.push(3); // buffered, inactive timer armed
    expect(p.activeTimers).toBe(2);
    await p.close();
    expect(p.activeTimers).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(r.batches.map((b) => b.entries).sort()).toEqual([[1, 2], [1, 2], [3]]);
    p.push(4); // a request finishing after close is still delivered, without timers
    await vi.advanceTimersByTimeAsync(0);
    expect(r.batches.at(-1)?.entries).toEqual([4]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('discards entries beyond the shared backlog limit and logs once per second', async () => {
    const logger = recordingLogger();
    const backlog = new Backlog(2, logger);
    const r = recorder();
    const p = new BatchProcessor(conf({ batch_max_size: 10 }), r.send, recordingLogger(), backlog);
    for (let i = 0; i < 5; i++) p.push(i);
    expect(backlog.pending).toBe(2);
    expect(logger.lines.length).toBe(1);
    expect(logger.lines[0]?.msg).toBe('max pending entries limit exceeded. discarding entry.');
    await p.close();
    expect(r.batches.map((b) => b.entries)).toEqual([[0, 1]]);
    expect(backlog.pending).toBe(0);
  });
});
