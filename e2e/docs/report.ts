import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** One line of the docs report. */
export interface ReportRow {
  /** Fixture path (doc example) or a `derived:` / `client:` id for checks that are not doc text. */
  id: string;
  doc: string;
  section: string;
  /** PASS / FAIL, or CANNOT-RUN for what needs the outside world (real credentials). */
  result: 'PASS' | 'FAIL' | 'CANNOT-RUN';
  /** What differed from the documented (or APISIX) outcome; for CANNOT-RUN, the reason and substitute. */
  details: string[];
  /** Context: doc bugs run as printed, placeholder substitutions, substitutes. */
  note?: string;
}

/** File the inner suites append to (JSON lines) and the outer test reads. */
export function reportFile(): string {
  return process.env.PORTICO_DOCS_REPORT ?? '/tmp/portico-docs-report.jsonl';
}

/** Append one row. */
export function record(row: ReportRow): void {
  appendFileSync(reportFile(), `${JSON.stringify(row)}\n`);
}

/** All rows written so far. */
export function readReport(file = reportFile()): ReportRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReportRow);
}

/** Human-readable report: one line per example, differences indented below it. */
export function formatReport(rows: ReportRow[]): string {
  const out: string[] = [];
  let doc = '';
  for (const r of rows) {
    if (r.doc !== doc) {
      doc = r.doc;
      out.push('', `== ${doc}`);
    }
    out.push(`${r.result.padEnd(10)} ${r.id}  [${r.section}]`);
    if (r.note) out.push(`           note: ${r.note}`);
    for (const d of r.details) out.push(`           - ${d}`);
  }
  const count = (k: ReportRow['result']): number => rows.filter((r) => r.result === k).length;
  out.push('', `PASS ${count('PASS')}  FAIL ${count('FAIL')}  CANNOT-RUN ${count('CANNOT-RUN')}`);
  return out.join('\n');
}
