import type { BudgetPeriod } from './schema.js';

/** One budget window: a UTC calendar day or month. */
export interface PeriodWindow {
  /** Stable id of the window, part of the counter key: `2026-12-06` or `2026-12`. */
  id: string;
  /** Epoch ms at which the window ends (the next one starts). */
  endMs: number;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** The window of `period` that contains `nowMs` (UTC). */
export function periodWindow(period: BudgetPeriod, nowMs: number): PeriodWindow {
  const d = new Date(nowMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (period === 'day') {
    const day = d.getUTCDate();
    return { id: `${y}-${pad2(m + 1)}-${pad2(day)}`, endMs: Date.UTC(y, m, day + 1) };
  }
  return { id: `${y}-${pad2(m + 1)}`, endMs: Date.UTC(y, m + 1, 1) };
}

/** Whole seconds until the window ends (at least 1). */
export function secondsLeft(w: PeriodWindow, nowMs: number): number {
  return Math.max(1, Math.ceil((w.endMs - nowMs) / 1000));
}
