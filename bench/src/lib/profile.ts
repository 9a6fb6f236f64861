import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: CpuNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** One function's share of the samples. */
export interface HotSpot {
  fn: string;
  where: string;
  selfPct: number;
}

/** The `.cpuprofile` file written by process `pid` in `dir`, if any. */
export function profileOf(dir: string, pid: number): string | undefined {
  try {
    const f = readdirSync(dir).find((n) => n.endsWith('.cpuprofile') && n.includes(`.${pid}.`));
    return f ? join(dir, f) : undefined;
  } catch {
    return undefined;
  }
}

/** Top `n` functions by self time (idle and GC markers left out of the ranking but not the total). */
export function hotSpots(file: string, n = 20): HotSpot[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = new Map<number, number>();
  if (p.samples) for (const s of p.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  else for (const node of p.nodes) hits.set(node.id, node.hitCount ?? 0);
  const byFn = new Map<string, HotSpot & { hits: number }>();
  let total = 0;
  for (const node of p.nodes) {
    const h = hits.get(node.id) ?? 0;
    if (!h) continue;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') continue;
    total += h;
    const where = cf.url
      ? `${cf.url.replace(/^file:\/\//, '').replace(/^.*?\/(apps|packages|node_modules)\//, '$1/')}:${cf.lineNumber + 1}`
      : '(native)';
    const key = `${cf.functionName}@${where}`;
    const e = byFn.get(key) ?? { fn: cf.functionName || '(anonymous)', where, selfPct: 0, hits: 0 };
    e.hits += h;
    byFn.set(key, e);
  }
  return [...byFn.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, n)
    .map((e) => ({ fn: e.fn, where: e.where, selfPct: (100 * e.hits) / Math.max(total, 1) }));
}
