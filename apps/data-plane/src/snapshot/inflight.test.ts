import { describe, expect, it } from 'vitest';
import { Inflight } from './inflight.js';

describe('Inflight', () => {
  it('retires at once when no request is in flight', () => {
    const f = new Inflight();
    let ran = 0;
    f.advance(() => ran++);
    expect(ran).toBe(1);
  });

  it('waits for every request that started before the new snapshot, not for later ones', () => {
    const f = new Inflight();
    const old1 = f.enter();
    const old2 = f.enter();
    let ran = 0;
    f.advance(() => ran++);
    const fresh = f.enter();
    f.leave(old1);
    expect(ran).toBe(0);
    f.leave(old2);
    expect(ran).toBe(1);
    f.leave(fresh);
    expect(f.size).toBe(0);
  });

  it('runs retirements in order, each as soon as its older requests are done', () => {
    const f = new Inflight();
    const order: string[] = [];
    const a = f.enter();
    f.advance(() => order.push('first'));
    const b = f.enter();
    f.advance(() => order.push('second'));
    f.leave(b);
    expect(order).toEqual([]); // `first` still waits for a, and `second` queues behind it
    f.leave(a);
    expect(order).toEqual(['first', 'second']);
  });
});
