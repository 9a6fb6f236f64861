import { describe, expect, it } from 'vitest';
import { readiness } from './readiness.js';

const w = (id: number, reported: boolean, ready: boolean) => ({ id, reported, ready });

describe('readiness (apisix/init.lua config_ready_check)', () => {
  it('is ok once every worker reported a full configuration load', () => {
    expect(readiness([w(0, true, true), w(1, true, true)], false)).toEqual({ ok: true });
  });

  it('names the worker and report counts when a worker has not reported yet', () => {
    expect(readiness([w(0, true, true), w(1, false, false)], false)).toEqual({
      ok: false,
      error: 'worker count: 2 but status report count: 1',
    });
  });

  it('names the first worker that reported without configuration', () => {
    expect(readiness([w(0, true, true), w(1, true, false), w(2, true, false)], false)).toEqual({
      ok: false,
      error: 'worker id: 1 has not received configuration',
    });
  });

  it('is not ready while draining, whatever the workers say', () => {
    expect(readiness([w(0, true, true)], true)).toEqual({ ok: false, error: 'shutting down' });
  });
});
