import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** One worker's runtime figures, as GET /status/revision reports them per worker. */
export interface RuntimeStats {
  /** Resident set size of the worker process, bytes. */
  rssBytes: number;
  heapUsedBytes: number;
  /**
   * Event-loop delay over the last complete window (ms): how much later than due the loop ran
   * a 10 ms timer (perf_hooks' interval minus the 10 ms); null before the first window completed.
   */
  eventLoopDelayMs: { windowMs: number; p50: number; p99: number; max: number } | null;
}

const WINDOW_MS = 10_000;
const RESOLUTION_MS = 10;

/**
 * Event-loop delay of this process in windows of 10 s (a histogram sampling every 10 ms; the
 * previous window's percentiles are kept, then the histogram starts over), plus memory on
 * demand. Cost: the histogram's 10 ms timer and one timer per window, both unref'd.
 */
export class RuntimeMonitor {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private last: RuntimeStats['eventLoopDelayMs'] = null;
  private readonly timer: NodeJS.Timeout;

  constructor(windowMs = WINDOW_MS) {
    this.h.enable();
    this.timer = setInterval(() => {
      // The histogram records the time between two 10 ms timer runs: the delay is what exceeds 10 ms.
      const ms = (ns: number): number => Math.max(0, Math.round((ns - RESOLUTION_MS * 1e6) / 1e4) / 100);
      this.last = { windowMs, p50: ms(this.h.percentile(50)), p99: ms(this.h.percentile(99)), max: ms(this.h.max) };
      this.h.reset();
    }, windowMs);
    this.timer.unref();
  }

  stats(): RuntimeStats {
    const m = process.memoryUsage();
    return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, eventLoopDelayMs: this.last };
  }

  stop(): void {
    clearInterval(this.timer);
    this.h.disable();
  }
}
