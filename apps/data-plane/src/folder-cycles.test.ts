import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Source files of the data plane, tests excluded (they may reach across folders freely). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** A file's unit: its top folder under src/, or the file itself when it sits in src/. */
function unitOf(file: string): string {
  const rel = relative(SRC, file);
  const i = rel.indexOf(sep);
  return i < 0 ? rel : `${rel.slice(0, i)}/`;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** unit → units it imports (relative imports, static and dynamic). */
function unitGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const to = unitOf(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Strongly connected groups of more than one unit (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('apps/data-plane/src folder dependencies', () => {
  const graph = unitGraph();

  it('reads the imports of every folder', () => {
    for (const unit of ['sync/', 'snapshot/', 'router/', 'chain/', 'server/', 'pipeline/', 'proxy/', 'reply/', 'cluster/']) {
      expect(graph.has(unit), unit).toBe(true);
    }
    expect(graph.get('pipeline/')!.has('proxy/')).toBe(true);
  });

  it('has no import cycle between folders (or top-level files)', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const looped = new Map([...graph].map(([k, v]) => [k, new Set(v)]));
    looped.get('reply/')!.add('pipeline/');
    expect(cycles(looped)).toContainEqual(expect.arrayContaining(['pipeline/', 'proxy/', 'reply/']));
  });
});
