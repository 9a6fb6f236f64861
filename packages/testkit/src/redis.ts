import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './etcd.js';

/** A real redis-server owned by a test: loopback only, no persistence, its own temp dir. */
export interface RedisProcess {
  port: number;
  /** redis://127.0.0.1:<port> */
  url: string;
  /** SIGTERM and wait for exit (the port stays reserved for `start`). */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** (Re)start on the same port, resolving once it answers PING. */
  start(): Promise<void>;
  /** Kill and remove the temp dir. */
  cleanup(): Promise<void>;
}

export interface StartRedisOptions {
  /** Binary (default /usr/bin/redis-server, overridable with PORTICO_REDIS_BIN). */
  bin?: string;
  /** Max time to wait for PING (default 10000). */
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Start a redis-server on a free loopback port and wait until it answers PING. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisProcess> {
  const bin = opts.bin ?? process.env.PORTICO_REDIS_BIN ?? '/usr/bin/redis-server';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portico-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }

  const running = (): boolean => !!child && child.exitCode === null && child.signalCode === null;
  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || !running()) return;
    c.kill(signal);
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };

  const proc: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (running()) return;
      const c = spawn(bin, args, { stdio: 'ignore' });
      child = c;
      live.add(c);
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      void exited.then(() => live.delete(c));
      c.once('error', () => undefined);
      const deadline = Date.now() + (opts.readyTimeoutMs ?? 10_000);
      while (Date.now() < deadline) {
        if (!running()) throw new Error(`redis-server on ${port} exited during startup`);
        if (await ping(port)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`redis-server on ${port} did not answer PING`);
    },
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    async cleanup() {
      await waitExit('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await proc.start();
  return proc;
}

/** One RESP PING over a raw socket (no client library needed). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
