import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { spawnProcess, waitForPort, type ManagedProcess } from '@portico/testkit';

/** Something the run owns and must stop before exiting. */
export interface Stoppable {
  name: string;
  stop(): Promise<unknown>;
}

/** Marker a measuring child prints before its one-line JSON result. */
export const RESULT_MARK = 'BENCH_JSON ';

/**
 * Every process and server the run starts, stopped by PID at the end (also on SIGINT/SIGTERM),
 * so a failed or interrupted run leaves nothing behind.
 */
export class Procs {
  private readonly owned: Stoppable[] = [];
  private readonly oneShot = new Set<number>();

  constructor(readonly logDir: string) {
    const bail = (sig: NodeJS.Signals): void => {
      void this.stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', bail);
    process.once('SIGTERM', bail);
    process.once('exit', () => {
      for (const pid of this.oneShot) killQuietly(pid);
    });
  }

  /** Spawn a long-running process logging to `<logDir>/<name>.log` and wait for its port. */
  async start(
    name: string,
    cmd: string,
    args: string[],
    port: number,
    env?: NodeJS.ProcessEnv,
    timeoutMs = 30_000,
  ): Promise<ManagedProcess> {
    const p = spawnProcess({ cmd, args, env: { ...process.env, ...env }, logFile: join(this.logDir, `${name}.log`) });
    this.own({ name, stop: () => p.stop('SIGTERM', 3000) });
    await waitForPort(port, {
      timeoutMs,
      abort: () => {
        const x = p.exitInfo();
        return x ? `${name} exited (${x.code ?? x.signal}):\n${p.tail(20)}` : undefined;
      },
    });
    return p;
  }

  /** Register something to stop at the end (stopped in reverse order). */
  own(s: Stoppable): void {
    this.owned.push(s);
  }

  /** Stop everything started so far, newest first. */
  async stopAll(): Promise<void> {
    for (const pid of this.oneShot) killQuietly(pid);
    while (this.owned.length) {
      const s = this.owned.pop()!;
      try {
        await s.stop();
      } catch (e) {
        process.stderr.write(`stopping ${s.name} failed: ${(e as Error).message}\n`);
      }
    }
  }

  /**
   * Run a measuring process to completion and parse the JSON line it prints after
   * RESULT_MARK (or its whole stdout with `raw`). Killed by PID after `timeoutMs`.
   */
  runJson<T>(cmd: string, args: string[], timeoutMs: number, raw = false): Promise<T> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const pid = child.pid ?? -1;
      this.oneShot.add(pid);
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const timer = setTimeout(() => killQuietly(pid, 'SIGKILL'), timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        this.oneShot.delete(pid);
        reject(e);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        this.oneShot.delete(pid);
        if (raw) return code === 0 ? resolve(out as T) : reject(new Error(`${cmd} exited ${code ?? signal}: ${err.slice(-500)}`));
        const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
        if (!line)
          return reject(
            new Error(`${cmd} ${args[0] ?? ''} gave no result (exit ${code ?? signal}): ${(err || out).slice(-800)}`),
          );
        try {
          resolve(JSON.parse(line.slice(RESULT_MARK.length)) as T);
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  }
}

function killQuietly(pid: number, sig: NodeJS.Signals = 'SIGTERM'): void {
  if (pid <= 0) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
