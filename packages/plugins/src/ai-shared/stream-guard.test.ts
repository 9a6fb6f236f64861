import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamGuard } from './stream-guard.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('StreamGuard', () => {
  it('reports max_response_bytes once the bytes read pass the cap, not when they equal it', () => {
    const g = new StreamGuard({ max_response_bytes: 10 }, process.hrtime.bigint());
    g.count(new Uint8Array(10));
    expect(g.afterForward()).toBeUndefined();
    g.count(new Uint8Array(1));
    expect(g.afterForward()).toBe('max_response_bytes');
    expect(g.bytesRead).toBe(11);
  });

  it('ends a stalled stream at its deadline once a chunk went out', () => {
    const g = new StreamGuard({ max_stream_duration_ms: 100 }, process.hrtime.bigint());
    const hit = vi.fn();
    g.start(hit);
    g.count(new Uint8Array(3));
    expect(g.afterForward()).toBeUndefined();
    vi.advanceTimersByTime(100);
    expect(hit).toHaveBeenCalledWith('max_stream_duration_ms');
  });

  it('before any chunk went out, waits for the next chunk and reports the deadline after forwarding it (APISIX order)', () => {
    const g = new StreamGuard({ max_stream_duration_ms: 50, max_response_bytes: 1 }, process.hrtime.bigint());
    const hit = vi.fn();
    g.start(hit);
    vi.advanceTimersByTime(60);
    expect(hit).not.toHaveBeenCalled();
    g.count(new Uint8Array(5));
    expect(g.afterForward()).toBe('max_stream_duration_ms');
  });

  it('never fires after stop', () => {
    const g = new StreamGuard({ max_stream_duration_ms: 20 }, process.hrtime.bigint());
    const hit = vi.fn();
    g.start(hit);
    g.afterForward();
    g.stop();
    vi.advanceTimersByTime(100);
    expect(hit).not.toHaveBeenCalled();
  });

  it('with no caps configured reports nothing', () => {
    const g = new StreamGuard({}, process.hrtime.bigint());
    g.start(() => {
      throw new Error('no timer expected');
    });
    g.count(new Uint8Array(1_000_000));
    expect(g.afterForward()).toBeUndefined();
  });
});
