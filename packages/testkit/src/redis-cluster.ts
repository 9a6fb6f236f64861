import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** A real Redis Cluster owned by a test: N masters on loopback, no replicas, no persistence. */
export interface RedisCluster {
  /** Seed nodes as APISIX's `redis_cluster_nodes` wants them: `127.0.0.1:<port>`. */
  nodes: string[];
  ports: number[];
  /** Temp dir holding nodes-<port>.conf and redis-<port>.log. */
  dir: string;
  /** SIGTERM every node and wait for them to exit (ports and cluster config are kept for `start`). */
  stop(): Promise<void>;
  /** Restart every stopped node on its port; resolves once `cluster_state:ok` again (data is gone). */
  start(): Promise<void>;
  /** Kill every node and remove the temp dir. */
  cleanup(): Promise<void>;
}

/** Options for {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** Number of masters (default 3, the minimum `redis-cli --cluster create` accepts). */
  masters?: number;
  /** redis-server binary (default /usr/bin/redis-server, or PORTICO_REDIS_BIN). */
  bin?: string;
  /** redis-cli binary (default /usr/bin/redis-cli, or PORTICO_REDIS_CLI). */
  cli?: string;
  /** Max time to wait for `cluster_state:ok` (default 20000). */
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let hooked = false;

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free port P whose cluster-bus port P+10000 is free too (Redis binds both). */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = await freePort();
    if (p + 10000 > 65535 || taken.has(p) || taken.has(p + 10000)) continue;
    if (await canBind(p + 10000)) return p;
  }
  throw new Error('no free port pair (P, P+10000) for a Redis Cluster node');
}

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}` }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Start `masters` redis-server processes in cluster mode and join them with
 * `redis-cli --cluster create --cluster-replicas 0`, resolving once every node reports
 * `cluster_state:ok` (all 16384 slots served).
 */
export async function startRedisCluster(opts: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = opts.masters ?? 3;
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const bin = opts.bin ?? process.env.PORTICO_REDIS_BIN ?? '/usr/bin/redis-server';
  const cli = opts.cli ?? process.env.PORTICO_REDIS_CLI ?? '/usr/bin/redis-cli';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }

  const dir = mkdtempSync(join(tmpdir(), 'portico-redis-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) {
    const p = await freeClusterPort(taken);
    taken.add(p).add(p + 10000);
    ports.push(p);
  }
  const children = new Map<number, { child: ChildProcess; exited: Promise<void> }>();
  const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

  const spawnNode = (port: number): void => {
    const child = spawn(
      bin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--protected-mode',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        join(dir, `redis-${port}.log`),
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    live.add(child);
    child.once('error', () => undefined);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void exited.then(() => live.delete(child));
    children.set(port, { child, exited });
  };

  const stopAll = async (signal: NodeJS.Signals): Promise<void> => {
    await Promise.all(
      [...children.values()].map(async ({ child, exited }) => {
        if (!running(child)) return;
        child.kill(signal);
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }),
    );
  };

  const waitFor = async (what: string, ok: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      for (const [port, { child }] of children) {
        if (!running(child)) throw new Error(`redis-server on ${port} exited (see ${dir}/redis-${port}.log)`);
      }
      if (await ok()) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster ${ports.join(',')}: ${what} timed out`);
      await sleep(50);
    }
  };
  const allAnswer = () =>
    waitFor('PING', async () =>
      (await Promise.all(ports.map((p) => run(cli, ['-p', String(p), 'ping'], 2000)))).every((r) => r.out.trim() === 'PONG'),
    );
  const allOk = () =>
    waitFor('cluster_state:ok', async () =>
      (await Promise.all(ports.map((p) => run(cli, ['-p', String(p), 'cluster', 'info'], 2000)))).every((r) =>
        r.out.includes('cluster_state:ok'),
      ),
    );

  const cluster: RedisCluster = {
    nodes: ports.map((p) => `127.0.0.1:${p}`),
    ports,
    dir,
    stop: () => stopAll('SIGTERM'),
    async start() {
      for (const p of ports) {
        const c = children.get(p);
        if (!c || !running(c.child)) spawnNode(p);
      }
      await allAnswer();
      await allOk();
    },
    async cleanup() {
      await stopAll('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    for (const p of ports) spawnNode(p);
    await allAnswer();
    const created = await run(
      cli,
      ['--cluster', 'create', ...cluster.nodes, '--cluster-replicas', '0', '--cluster-yes'],
      readyTimeoutMs,
    );
    if (!created.ok) throw new Error(`redis-cli --cluster create failed:\n${created.out}`);
    await allOk();
  } catch (err) {
    await cluster.cleanup();
    throw err;
  }
  return cluster;
}
