import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real etcd server process (or one member of a cluster) owned by a test. */
export interface EtcdProcess {
  /** Client URL, e.g. http://127.0.0.1:23791 */
  endpoint: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  /** etcd's combined stdout/stderr (kept out of the test output). */
  logFile: string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** (Re)start on the same data dir and ports, resolving once healthy. */
  start(): Promise<void>;
  /** Compact history up to `revision` (default: the current revision); physical, so it has applied on return. */
  compact(revision?: number): Promise<void>;
  /** Current store revision (header of a range read). */
  revision(): Promise<number>;
  /** Kill the process and remove the data dir. */
  cleanup(): Promise<void>;
}

export interface StartEtcdOptions {
  /** etcd binary (default /usr/bin/etcd, overridable with PORTICO_ETCD_BIN). */
  bin?: string;
  /** Raft heartbeat ms; small values make elections and minimum lease TTL short (default 10). */
  heartbeatMs?: number;
  /** Raft election timeout ms (default 100). */
  electionMs?: number;
  /** Max time to wait for /health (default 15000). */
  readyTimeoutMs?: number;
}

/** A loopback etcd cluster; `members[i]` can be stopped/started individually. */
export interface EtcdCluster {
  members: EtcdProcess[];
  endpoints: string[];
  cleanup(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Never leave etcd processes behind when the test worker exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  initialCluster: string;
}

function etcdEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // etcd 3.4 refuses to start on non-amd64 unless told the arch is acknowledged.
  if (process.arch !== 'x64') env.ETCD_UNSUPPORTED_ARCH = process.arch === 'arm64' ? 'arm64' : process.arch;
  return env;
}

async function rpc(endpoint: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`etcd ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function createMember(spec: MemberSpec, dataDir: string, opts: StartEtcdOptions): Member {
  const bin = opts.bin ?? process.env.PORTICO_ETCD_BIN ?? '/usr/bin/etcd';
  const endpoint = `http://127.0.0.1:${spec.clientPort}`;
  const peerUrl = `http://127.0.0.1:${spec.peerPort}`;
  const logFile = join(dataDir, '..', `${spec.name}.log`);
  const args = [
    `--name=${spec.name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${spec.initialCluster}`,
    '--initial-cluster-state=new',
    `--heartbeat-interval=${opts.heartbeatMs ?? 10}`,
    `--election-timeout=${opts.electionMs ?? 100}`,
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };

  const member: EtcdProcess = {
    endpoint,
    clientPort: spec.clientPort,
    peerPort: spec.peerPort,
    dataDir,
    logFile,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      installExitHook();
      const fd = openSync(logFile, 'a');
      const c = spawn(bin, args, { stdio: ['ignore', fd, fd], env: etcdEnv() });
      closeSync(fd);
      child = c;
      live.add(c);
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      void exited.then(() => live.delete(c));
      c.once('error', () => undefined);
    },
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    async compact(revision?: number) {
      const rev = revision ?? (await member.revision());
      await rpc(endpoint, '/v3/kv/compaction', { revision: String(rev), physical: true });
    },
    async revision() {
      const r = await rpc(endpoint, '/v3/kv/range', { key: Buffer.from('\0').toString('base64'), count_only: true });
      return Number((r.header as { revision: string }).revision);
    },
    async cleanup() {
      await waitExit('SIGKILL');
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    },
  };
  // `start` alone does not wait for health: single members and clusters wait differently.
  const spawnOnly = member.start;
  const currentChild = (): ChildProcess | undefined => child;
  member.start = async () => {
    await spawnOnly();
    await waitHealthy(member, currentChild, opts.readyTimeoutMs ?? 15_000);
  };
  return { proc: member, spawn: spawnOnly, child: currentChild };
}

interface Member {
  proc: EtcdProcess;
  /** Spawn without waiting for health (cluster members need their peers first). */
  spawn(): Promise<void>;
  child(): ChildProcess | undefined;
}

async function waitHealthy(m: EtcdProcess, child: () => ChildProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = child();
    if (!c || c.exitCode !== null || c.signalCode !== null) {
      throw new Error(`etcd ${m.endpoint} exited during startup:\n${tail(m.logFile)}`);
    }
    try {
      const res = await fetch(`${m.endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (res.ok && body.health === 'true') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd ${m.endpoint} not healthy after ${timeoutMs}ms:\n${tail(m.logFile)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Start a single-member etcd on free loopback ports with a temp data dir; resolves when healthy. */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const root = mkdtempSync(join(tmpdir(), 'portico-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const m = createMember(
    { name: 'n1', clientPort, peerPort, initialCluster: `n1=http://127.0.0.1:${peerPort}` },
    join(root, 'data'),
    opts,
  ).proc;
  try {
    await m.start();
  } catch (e) {
    await m.cleanup();
    throw e;
  }
  return m;
}

/** Start an n-member (default 3) loopback etcd cluster; resolves when every member is healthy. */
export async function startEtcdCluster(size = 3, opts: StartEtcdOptions = {}): Promise<EtcdCluster> {
  const root = mkdtempSync(join(tmpdir(), 'portico-etcd-cluster-'));
  const ports: Array<{ client: number; peer: number }> = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const initialCluster = ports.map((p, i) => `n${i + 1}=http://127.0.0.1:${p.peer}`).join(',');
  // Members share a 2-core box with the tests: use gentler raft timings than a single member.
  const memberOpts = { heartbeatMs: 50, electionMs: 500, ...opts };
  const members = ports.map((p, i) => {
    const dir = mkdtempSync(join(root, `n${i + 1}-`));
    return createMember(
      { name: `n${i + 1}`, clientPort: p.client, peerPort: p.peer, initialCluster },
      join(dir, 'data'),
      memberOpts,
    );
  });
  const cleanup = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.proc.cleanup()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // All members must be spawned before any can elect a leader and report healthy.
    for (const m of members) await m.spawn();
    await Promise.all(members.map((m) => waitHealthy(m.proc, m.child, opts.readyTimeoutMs ?? 20_000)));
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { members: members.map((m) => m.proc), endpoints: members.map((m) => m.proc.endpoint), cleanup };
}
