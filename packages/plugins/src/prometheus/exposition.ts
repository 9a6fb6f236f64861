/**
 * Prometheus text exposition format 0.0.4: `# HELP` / `# TYPE` once per family, families
 * and series in a stable (sorted) order as nginx-lua-prometheus prints them, histogram buckets
 * cumulative with `le` from the configured bounds plus `+Inf`, then `_sum` and `_count`.
 */
import type { Family } from './families.js';

export type RenderSeries =
  | { labels: readonly string[]; value: number }
  | { labels: readonly string[]; counts: readonly number[]; sum: number; count: number };

export interface RenderFamily {
  family: Family;
  series: RenderSeries[];
}

/** The content type of the exposition. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label value escaping: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** HELP escaping: backslash and line feed. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  let s = '';
  for (let i = 0; i < names.length; i++) {
    if (s !== '') s += ',';
    s += `${names[i]}="${escapeLabelValue(values[i] ?? '')}"`;
  }
  if (extra !== undefined) s += (s === '' ? '' : ',') + extra;
  return s === '' ? '' : `{${s}}`;
}

function compareLabels(a: RenderSeries, b: RenderSeries): number {
  const n = Math.min(a.labels.length, b.labels.length);
  for (let i = 0; i < n; i++) {
    const x = a.labels[i]!;
    const y = b.labels[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.labels.length - b.labels.length;
}

export function renderExposition(families: readonly RenderFamily[]): string {
  const parts: string[] = [];
  const sorted = [...families].sort((a, b) =>
    a.family.fullName < b.family.fullName ? -1 : a.family.fullName > b.family.fullName ? 1 : 0,
  );
  for (const { family: f, series } of sorted) {
    parts.push(`# HELP ${f.fullName} ${escapeHelp(f.help)}\n# TYPE ${f.fullName} ${f.type}\n`);
    for (const s of [...series].sort(compareLabels)) {
      if ('value' in s) {
        parts.push(`${f.fullName}${labelText(f.labels, s.labels)} ${formatValue(s.value)}\n`);
        continue;
      }
      let cum = 0;
      for (let i = 0; i <= f.buckets.length; i++) {
        cum += s.counts[i] ?? 0;
        const le = i < f.buckets.length ? formatValue(f.buckets[i]!) : '+Inf';
        parts.push(`${f.fullName}_bucket${labelText(f.labels, s.labels, `le="${le}"`)} ${cum}\n`);
      }
      const base = labelText(f.labels, s.labels);
      parts.push(`${f.fullName}_sum${base} ${formatValue(s.sum)}\n${f.fullName}_count${base} ${s.count}\n`);
    }
  }
  return parts.join('');
}
