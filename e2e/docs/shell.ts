import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one doc block printed when run with bash. */
export interface ShellResult {
  code: number | null;
  stdout: string;
  /** stderr without the status lines of the curl observer. */
  stderr: string;
  /** HTTP status of every curl invocation, in order (0 = no response). */
  statuses: number[];
}

const STATUS_MARK = '@@docs-e2e-http-status ';

/**
 * A `curl` first on PATH that runs the real curl with the same arguments plus a `--write-out`
 * to **stderr** (curl ≥ 7.63 `%{stderr}`), so the runner learns each response status while the
 * command text, its stdout (what the user sees, and what pipes into `jq`) stay exactly as printed.
 */
export function installCurlObserver(dir: string): string {
  const bin = join(dir, 'observer-bin');
  mkdirSync(bin, { recursive: true });
  const shim = join(bin, 'curl');
  writeFileSync(shim, `#!/bin/bash\nexec /usr/bin/curl "$@" --write-out '%{stderr}\\n${STATUS_MARK}%{http_code}\\n'\n`);
  chmodSync(shim, 0o755);
  return bin;
}

/** Run `script` with bash in `cwd`, with `env` (merged over a minimal environment). */
export function runBash(
  script: string,
  opts: { cwd: string; env: Record<string, string>; observerBin: string; timeoutMs?: number },
): Promise<ShellResult> {
  const file = join(opts.cwd, 'steps', `step-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.sh`);
  mkdirSync(join(opts.cwd, 'steps'), { recursive: true });
  writeFileSync(file, script);
  const env = {
    PATH: `${opts.observerBin}:/usr/local/bin:/usr/bin:/bin`,
    HOME: opts.cwd,
    LANG: 'C.UTF-8',
    ...opts.env,
  };
  return new Promise((resolve) => {
    const child = spawn('/bin/bash', [file], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const statuses: number[] = [];
      const stderr = Buffer.concat(err)
        .toString('utf8')
        .split('\n')
        .filter((l) => {
          if (!l.startsWith(STATUS_MARK)) return true;
          statuses.push(Number(l.slice(STATUS_MARK.length)));
          return false;
        })
        .join('\n')
        .replace(/\n+$/, '');
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr, statuses });
    });
  });
}
