import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseLine } from './access-log.js';
import { CATALOG } from './catalog.js';
import { record } from './report.js';
import { DocSession } from './session.js';

/** Start a DocSession for the enclosing suite; the getter throws if startup failed. */
let currentDoc = 'unknown';

export function useSession(opts: Parameters<typeof DocSession.start>[0] & { doc: string }): () => DocSession {
  currentDoc = opts.doc;
  let s: DocSession | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      s = await DocSession.start(opts);
      s.doc = opts.doc;
    } catch (e) {
      failure = e;
      record({ id: 'stack', doc: opts.doc, section: 'startup', result: 'FAIL', details: [String(e).slice(0, 2000)] });
    }
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
  }, 60_000);
  return () => {
    if (!s) throw new Error(`Portico did not start: ${String(failure)}`);
    return s;
  };
}

/** One example: its body returns the differences it recorded; the test fails when there are any. */
export function step(title: string, body: () => Promise<string[]>): void {
  const doc = currentDoc;
  it(title, async () => {
    let diffs: string[];
    try {
      diffs = await body();
    } catch (e) {
      // An exception (e.g. Portico never started) still leaves a FAIL row naming the example.
      const c = CATALOG.find((x) => x.fixture === title);
      record({ id: title, doc: c?.doc ?? doc, section: c?.section ?? '-', result: 'FAIL', details: [String(e).slice(0, 500)] });
      throw e;
    }
    expect(diffs).toEqual([]);
  });
}

/** Wait (up to `ms`) for an access-log line written with `format` that satisfies `pick`. */
export async function accessLogLine(
  file: string,
  format: string,
  pick: (f: Record<string, string>) => boolean,
  // APISIX writes the access log with `buffer=16384 flush=3` (ngx_tpl.lua): a line is visible within ~3 s.
  ms = 5000,
): Promise<{ fields?: Record<string, string>; lines: string[] }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    for (const l of lines) {
      const f = parseLine(format, l);
      if (f && pick(f)) return { fields: f, lines };
    }
    if (Date.now() > deadline) return { lines };
    await new Promise((r) => setTimeout(r, 100));
  }
}
