import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './etcd.js';

/** A real Redis Sentinel (redis-server --sentinel) watching one master, owned by a test. */
export interface RedisSentinel {
  port: number;
  /** The monitored master's name (default "mymaster"). */
  masterName: string;
  /** Kill it and remove its temp dir. */
  cleanup(): Promise<void>;
}

export interface StartRedisSentinelOptions {
  /** Port of the master to monitor (on 127.0.0.1). */
  masterPort: number;
  masterName?: string;
  /** Binary (default /usr/bin/redis-server, overridable with PORTICO_REDIS_BIN). */
  bin?: string;
  readyTimeoutMs?: number;
}

/**
 * Start a sentinel on a free loopback port that monitors `127.0.0.1:<masterPort>` (quorum 1)
 * and wait until it names the master (SENTINEL get-master-addr-by-name answers).
 */
export async function startRedisSentinel(opts: StartRedisSentinelOptions): Promise<RedisSentinel> {
  const bin = opts.bin ?? process.env.PORTICO_REDIS_BIN ?? '/usr/bin/redis-server';
  const masterName = opts.masterName ?? 'mymaster';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portico-sentinel-'));
  const confFile = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it lives in the temp dir.
  writeFileSync(
    confFile,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode no',
      `dir ${dir}`,
      'loglevel warning',
      `sentinel monitor ${masterName} 127.0.0.1 ${opts.masterPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 5000`,
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn(bin, [confFile, '--sentinel'], { stdio: 'ignore' });
  child.once('error', () => undefined);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 10_000);
  for (;;) {
    if (await knowsMaster(port, masterName)) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await kill();
      throw new Error(`redis sentinel on ${port} did not come up`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    masterName,
    async cleanup() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when the sentinel answers the master's address (a RESP array, not a null). */
function knowsMaster(port: number, name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write(`SENTINEL get-master-addr-by-name ${name}\r\n`));
    s.once('data', (d) => done(d.toString().startsWith('*2')));
  });
}
