import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnProcess } from './process.js';

const dir = mkdtempSync(join(tmpdir(), 'portico-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spawnProcess', () => {
  it('writes stdout and stderr to the log file and reports the exit code', async () => {
    const p = spawnProcess({
      cmd: process.execPath,
      args: ['-e', 'console.log("out"); console.error("err"); process.exit(3)'],
      logFile: join(dir, 'a.log'),
    });
    expect(await p.exited).toEqual({ code: 3, signal: null });
    expect(p.tail()).toBe('out\nerr\n');
  });

  it('stops a process with SIGTERM', async () => {
    const p = spawnProcess({ cmd: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], logFile: join(dir, 'b.log') });
    expect(p.pid).toBeGreaterThan(0);
    expect(await p.stop()).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('escalates to SIGKILL when the process ignores the signal', async () => {
    const p = spawnProcess({
      cmd: process.execPath,
      args: ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)'],
      logFile: join(dir, 'c.log'),
    });
    while (!p.tail().includes('ready')) await new Promise((r) => setTimeout(r, 20));
    expect(await p.stop('SIGTERM', 200)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('reports a command that cannot be spawned as exited with code -1', async () => {
    const p = spawnProcess({ cmd: join(dir, 'no-such-binary'), logFile: join(dir, 'd.log') });
    expect(await p.exited).toEqual({ code: -1, signal: null });
  });
});
