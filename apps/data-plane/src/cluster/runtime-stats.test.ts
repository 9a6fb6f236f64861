import { describe, expect, it } from 'vitest';
import { RuntimeMonitor } from './runtime-stats.js';

describe('RuntimeMonitor', () => {
  it('reports no event-loop delay before the first window, then the window that saw a blocked loop', async () => {
    const m = new RuntimeMonitor(1000);
    try {
      expect(m.stats().eventLoopDelayMs).toBeNull();
      expect(m.stats().rssBytes).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 50));
      const end = Date.now() + 60;
      while (Date.now() < end) {
        // block the loop for 60 ms
      }
      // The first window to complete is the one holding the block.
      while (m.stats().eventLoopDelayMs === null) await new Promise((r) => setTimeout(r, 50));
      const d = m.stats().eventLoopDelayMs;
      expect(d?.windowMs).toBe(1000);
      // The 60 ms block shows in the window's max (the histogram samples every 10 ms).
      expect(d!.max).toBeGreaterThanOrEqual(40);
      // The 10 ms sampling period itself is not counted as delay.
      expect(d!.p50).toBeLessThan(10);
    } finally {
      m.stop();
    }
  });
});
