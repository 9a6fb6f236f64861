import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** How a child process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What {@link spawnProcess} needs. Output (stdout+stderr) goes to `logFile`, never the test output. */
export interface SpawnOptions {
  cmd: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
}

/** A process owned by a test. */
export interface ManagedProcess {
  pid: number;
  logFile: string;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<ExitInfo>;
  /** Undefined while running. */
  exitInfo(): ExitInfo | undefined;
  /** Send `signal` (default SIGTERM), SIGKILL after `timeoutMs` (default 5000), resolve on exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<ExitInfo>;
  /** The last `lines` lines of the log file. */
  tail(lines?: number): string;
}

const live = new Set<ChildProcess>();
let hooked = false;

// Never leave app processes behind when the test worker exits, even after a failed test.
function installExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** Spawn a process with its output appended to a log file. */
export function spawnProcess(opts: SpawnOptions): ManagedProcess {
  installExitHook();
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.cmd, opts.args ?? [], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  live.add(child);
  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      info = { code, signal };
      live.delete(child);
      resolve(info);
    });
    // A spawn failure (e.g. ENOENT) emits 'error' and no 'exit'.
    child.once('error', (err) => {
      if (info) return;
      info = { code: -1, signal: null };
      live.delete(child);
      resolve(info);
      void err;
    });
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<ExitInfo> => {
    if (info) return info;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const res = await exited;
    clearTimeout(t);
    return res;
  };

  return {
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    exited,
    exitInfo: () => info,
    stop,
    kill: () => stop('SIGKILL'),
    tail: (lines = 40) => tailFile(opts.logFile, lines),
  };
}

/** The last `lines` lines of a text file ("(no log)" when it cannot be read). */
export function tailFile(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}
