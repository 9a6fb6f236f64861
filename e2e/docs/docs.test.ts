import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog.js';
import { formatReport, readReport } from './report.js';
import { REPO_ROOT } from './stack.js';

// The seed docs' examples, run verbatim against Portico inside a private mount+network namespace
// (see ns-run.sh). Needs root (CI runs as root) and unshare(1); elsewhere the suite is skipped.
const canUnshare = process.getuid?.() === 0 && existsSync('/usr/bin/unshare');

describe('seed docs examples, verbatim', () => {
  it.skipIf(!canUnshare)(
    'every Admin API / data-plane block of the ai-proxy and ai-proxy-multi docs behaves as documented (or as APISIX for broken ones)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'portico-docs-run-'));
      const reportFile = join(dir, 'report.jsonl');
      const logFile = join(dir, 'inner-vitest.log');
      const fd = openSync(logFile, 'a');
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn('/usr/bin/unshare', ['--mount', '--net', '--', 'bash', 'e2e/docs/ns-run.sh'], {
          cwd: REPO_ROOT,
          env: { ...process.env, PORTICO_DOCS_REPORT: reportFile },
          stdio: ['ignore', fd, fd],
        });
        child.once('exit', (c) => resolve(c));
      });
      closeSync(fd);
      const rows = readReport(reportFile);
      const text = formatReport(rows);
      writeFileSync(join(dir, 'report.txt'), text);
      console.log(`docs report (${join(dir, 'report.txt')}; inner log ${logFile}):${text}`);

      const ran = new Set(rows.map((r) => r.id));
      const missing = CATALOG.map((e) => e.fixture).filter((f) => !ran.has(f));
      expect({ missing, innerExit: rows.length ? 'ran' : readFileSync(logFile, 'utf8').slice(-2000) }).toEqual({
        missing: [],
        innerExit: 'ran',
      });
      const failed = rows.filter((r) => r.result === 'FAIL').map((r) => `${r.id}: ${r.details.join('; ')}`);
      expect(failed).toEqual([]);
      expect(code).toBe(0);
    },
    15 * 60_000,
  );
});
