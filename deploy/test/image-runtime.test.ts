// Runs the image's runtime tree without Docker: deploy/docker/assemble.sh builds it exactly as
// the Dockerfile's build stage does (prod-only `pnpm deploy` of both apps, default config,
// entrypoint), then the tests start it through the entrypoint, as `docker run portico <cmd>`
// would, against a real etcd. Needs the apps built (`pnpm build`) and /usr/bin/etcd.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  spawnProcess,
  startEtcd,
  waitForPort,
  type EtcdProcess,
  type ManagedProcess,
} from '../../packages/testkit/src/index.js';
import { repoRoot } from './support.js';

const ADMIN_KEY = 'deployTestAdminKeyAbcdefghijklmn';
let dir: string;
let out: string;
let etcd: EtcdProcess;
let upstream: Server;
let upstreamPort: number;
const started: ManagedProcess[] = [];

interface Ports {
  node: number;
  admin: number;
  status: number;
  ssl: number;
}

async function ports(): Promise<Ports> {
  return { node: await freePort(), admin: await freePort(), status: await freePort(), ssl: await freePort() };
}

/** The container's environment: the image's default config reads all of it. */
function env(p: Ports, name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    PORTICO_ETCD_HOST: etcd.endpoint,
    PORTICO_ETCD_PREFIX: `/deploy-${name}`,
    PORTICO_ADMIN_KEY: ADMIN_KEY,
    PORTICO_NODE_PORT: String(p.node),
    PORTICO_ADMIN_PORT: String(p.admin),
    PORTICO_STATUS_PORT: String(p.status),
    PORTICO_SSL_PORT: String(p.ssl),
    PORTICO_WORKER_PROCESSES: '2',
    PORTICO_MODE_FILE: join(dir, `${name}.mode`),
    ...extra,
  };
  delete e.PORTICO_CONF;
  delete e.PORTICO_HOME;
  return e;
}

function portico(cmd: string, e: NodeJS.ProcessEnv, name: string): ManagedProcess {
  const p = spawnProcess({ cmd: join(out, 'portico'), args: [cmd], env: e, logFile: join(dir, `${name}.log`) });
  started.push(p);
  return p;
}

async function listening(p: ManagedProcess, port: number): Promise<void> {
  await waitForPort(port, {
    timeoutMs: 20_000,
    abort: () => (p.exitInfo() ? `exited ${JSON.stringify(p.exitInfo())}:\n${p.tail()}` : undefined),
  });
}

/** `portico healthcheck` run as Docker's HEALTHCHECK would: a separate exec with the same env. */
function healthcheck(e: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    execFile(join(out, 'portico'), ['healthcheck'], { env: e, timeout: 10_000 }, (err) => {
      resolve(err ? Number((err as { code?: number }).code ?? 1) : 0);
    });
  });
}

/** argv of a running process, from /proc. */
function argv(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((s) => s !== '');
}

async function putRoute(p: Ports, id: string, uri: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${p.admin}/apisix/admin/routes/${id}`, {
    method: 'PUT',
    headers: { 'X-API-KEY': ADMIN_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ uri, upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${upstreamPort}`]: 1 } } }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Poll the data plane until `uri` answers 200 (the route has propagated), returning the body. */
async function served(p: Ports, uri: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${p.node}${uri}`);
      const body = await res.text();
      if (res.status === 200) return body;
      last = `${res.status} ${body}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${uri} never answered 200; last: ${last}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-deploy-'));
  out = join(dir, 'app');
  execFileSync('bash', [join(repoRoot, 'deploy/docker/assemble.sh'), out], { cwd: repoRoot, stdio: 'pipe' });
  etcd = await startEtcd();
  upstream = createServer((req, res) => res.end(`hello from upstream ${req.url}`));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as { port: number }).port;
}, 180_000);

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.kill()));
});

afterAll(async () => {
  upstream?.close();
  await etcd?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the image runtime tree (deploy/docker/assemble.sh + entrypoint)', () => {
  it('`portico admin` and `portico data-plane` exec the built apps and serve a route written through the admin', async () => {
    const p = await ports();
    const admin = portico('admin', env(p, 'split'), 'admin');
    await listening(admin, p.admin);
    const dp = portico('data-plane', env(p, 'split'), 'data-plane');
    await listening(dp, p.node);

    // exec: the container's PID is node itself running the same entry file as the e2e suite.
    expect(argv(admin.pid)).toEqual(['node', join(out, 'apps/admin/dist/main.js')]);
    expect(argv(dp.pid)).toEqual(['node', join(out, 'apps/data-plane/dist/main.js')]);

    expect(await putRoute(p, 'deploy-split', '/split')).toBe(201);
    expect(await served(p, '/split')).toBe('hello from upstream /split');

    expect(await dp.stop('SIGTERM', 15_000)).toEqual({ code: 0, signal: null });
    expect(await admin.stop('SIGTERM', 15_000)).toEqual({ code: 0, signal: null });
  });

  it('`portico all` runs admin and data plane together and exits 0 on SIGTERM', async () => {
    const p = await ports();
    const all = portico('all', env(p, 'all'), 'all');
    await listening(all, p.admin);
    await listening(all, p.node);
    expect(await putRoute(p, 'deploy-all', '/all')).toBe(201);
    expect(await served(p, '/all')).toBe('hello from upstream /all');
    expect(await all.stop('SIGTERM', 15_000)).toEqual({ code: 0, signal: null });
  });

  it('`portico admin` refuses to start with the default config and no PORTICO_ADMIN_KEY', async () => {
    const p = await ports();
    const admin = portico('admin', env(p, 'nokey', { PORTICO_ADMIN_KEY: '' }), 'nokey');
    expect(await admin.exited).toEqual({ code: 64, signal: null });
    expect(admin.tail()).toContain('portico: PORTICO_ADMIN_KEY is required');
  });

  it('`portico healthcheck` passes while the admin answers and fails once it stopped', async () => {
    const p = await ports();
    const e = env(p, 'hc-admin');
    const admin = portico('admin', e, 'hc-admin');
    await listening(admin, p.admin);
    expect(await healthcheck(e)).toBe(0);
    await admin.stop('SIGTERM', 15_000);
    expect(await healthcheck(e)).toBe(1);
  });

  it('`portico healthcheck` of a data plane follows GET /status/ready on the status port', async () => {
    const p = await ports();
    const e = env(p, 'hc-dp');
    const dp = portico('data-plane', e, 'hc-dp');
    await listening(dp, p.node);
    await waitForPort(p.status, { timeoutMs: 15_000 });
    const res = await fetch(`http://127.0.0.1:${p.status}/status/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect(await healthcheck(e)).toBe(0);
    await dp.stop('SIGTERM', 15_000);
    expect(await healthcheck(e)).toBe(1);
  });
});
