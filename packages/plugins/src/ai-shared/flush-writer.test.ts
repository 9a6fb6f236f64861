import type { BodySink } from '@portico/plugin-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FlushWriter } from './flush-writer.js';

function recordingSink(accept = true) {
  const writes: string[] = [];
  const events: string[] = [];
  const sink: BodySink = {
    write: (c) => {
      writes.push(Buffer.from(c).toString());
      return accept;
    },
    onDrain: () => undefined,
    end: () => events.push('end'),
    destroy: (e) => events.push(`destroy:${e.message}`),
  };
  return { sink, writes, events };
}

const b = (s: string) => Buffer.from(s);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('FlushWriter', () => {
  it('writes the first chunk at once and holds a burst until the interval ends, then writes it in one piece', () => {
    const { sink, writes } = recordingSink();
    const w = new FlushWriter(sink, 10, () => undefined);
    w.write(b('a'));
    expect(writes).toEqual(['a']);
    w.write(b('b'));
    w.write(b('c'));
    expect(writes).toEqual(['a']);
    expect(w.held).toBe(2);
    vi.advanceTimersByTime(10);
    expect(writes).toEqual(['a', 'bc']);
  });

  it('writes a chunk at once again when the previous interval passed without a burst', () => {
    const { sink, writes } = recordingSink();
    const w = new FlushWriter(sink, 10, () => undefined);
    w.write(b('a'));
    vi.advanceTimersByTime(10); // nothing held: the window closes
    w.write(b('b'));
    expect(writes).toEqual(['a', 'b']);
  });

  it('with interval 0 writes every chunk as it comes', () => {
    const { sink, writes } = recordingSink();
    const w = new FlushWriter(sink, 0, () => undefined);
    w.write(b('a'));
    w.write(b('b'));
    expect(writes).toEqual(['a', 'b']);
  });

  it('writes what is held before ending or aborting the response', () => {
    const r1 = recordingSink();
    const w1 = new FlushWriter(r1.sink, 10, () => undefined);
    w1.write(b('a'));
    w1.write(b('b'));
    w1.end();
    expect(r1.writes).toEqual(['a', 'b']);
    expect(r1.events).toEqual(['end']);
    w1.write(b('late'));
    vi.advanceTimersByTime(50);
    expect(r1.writes).toEqual(['a', 'b']);

    const r2 = recordingSink();
    const w2 = new FlushWriter(r2.sink, 10, () => undefined);
    w2.write(b('a'));
    w2.write(b('b'));
    w2.destroy(new Error('upstream broke'));
    expect(r2.writes).toEqual(['a', 'b']);
    // The abort waits a turn so the corked bytes reach the socket first.
    expect(r2.events).toEqual([]);
    vi.runAllTimers();
    expect(r2.events).toEqual(['destroy:upstream broke']);

    const r3 = recordingSink();
    const w3 = new FlushWriter(r3.sink, 10, () => undefined);
    w3.write(b('a'));
    w3.destroy(new Error('nothing held'));
    expect(r3.events).toEqual(['destroy:nothing held']);
  });

  it('reports a full client buffer so the upstream can be paused', () => {
    const { sink } = recordingSink(false);
    const onFull = vi.fn();
    const w = new FlushWriter(sink, 10, onFull);
    w.write(b('a'));
    expect(onFull).toHaveBeenCalledTimes(1);
    w.write(b('b'));
    vi.advanceTimersByTime(10);
    expect(onFull).toHaveBeenCalledTimes(2);
  });
});
