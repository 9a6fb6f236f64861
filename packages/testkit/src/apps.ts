import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './ports.js';
import { spawnProcess, type ManagedProcess } from './process.js';

/** Repository root: this file lives in packages/testkit/{src,dist}/. */
export const projectRoot: string = process.env.PORTICO_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Built entry points the harness runs (as `node <file>` with PORTICO_CONF). */
export const appEntries = {
  admin: join(projectRoot, 'apps', 'admin', 'dist', 'main.js'),
  dataPlane: join(projectRoot, 'apps', 'data-plane', 'dist', 'main.js'),
} as const;

/** Options for {@link startPortico}. */
export interface StartPorticoOptions {
  /** etcd client URL(s), e.g. from startEtcd().endpoint. */
  etcdEndpoint: string | string[];
  /** deployment.role written to every config (default traditional). */
  role?: 'traditional' | 'control_plane' | 'data_plane';
  /** Start the admin process (default: unless role is data_plane). */
  admin?: boolean;
  /** Number of data planes to start (default 1, 0 for control_plane). */
  dataPlanes?: number;
  /** Fixed admin port (default: a free port). */
  adminPort?: number;
  /** Fixed port of the first data plane (default: a free port). */
  dataPlanePort?: number;
  /** Admin key with role admin (default: random per run). */
  adminKey?: string;
  /** Admin key with role viewer (default: random per run). */
  viewerKey?: string;
  /** deployment.etcd.prefix (default /apisix). */
  etcdPrefix?: string;
  /** deployment.etcd.timeout in seconds (default 3, so etcd-down paths answer quickly). */
  etcdTimeout?: number;
  /** Deep-merged over the generated config (maps merge, arrays and scalars replace). */
  extraConf?: Record<string, unknown>;
  /** Extra environment for the app processes. */
  env?: NodeJS.ProcessEnv;
  /** Max wait for each port to answer (default 20000 ms). */
  readyTimeoutMs?: number;
  /**
   * nginx_config.worker_processes of each data plane (default 1, not APISIX's "auto": one
   * worker keeps per-process state such as local rate-limit counters and round-robin order
   * deterministic for tests).
   */
  workers?: number;
  /** Give each data plane the status API (apisix.status) on a free port (default false). */
  status?: boolean;
}

/** One running data-plane process. */
export interface DataPlaneHandle {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  confPath: string;
  /** The JSON access log file of this data plane. */
  accessLog: string;
  process: ManagedProcess;
  /** Status API port (GET /status, /status/ready, /status/revision) when `status` was set. */
  statusPort?: number;
  /** HTTPS listener port (apisix.ssl.listen, on 127.0.0.1; certificates come from `ssls`). */
  sslPort: number;
  /** https://127.0.0.1:<sslPort> */
  httpsUrl: string;
  /** http://127.0.0.1:<statusPort> when `status` was set. */
  statusUrl?: string;
}

/** A running set of Portico processes sharing one temp dir and admin key. */
export interface PorticoApps {
  dir: string;
  adminKey: string;
  viewerKey: string;
  /** Config file of the admin (the one the doc's yq command reads). */
  confPath: string;
  adminPort: number;
  /** http://127.0.0.1:<adminPort> */
  adminUrl: string;
  admin: ManagedProcess | undefined;
  dataPlanes: DataPlaneHandle[];
  /** Start one more data plane against the same etcd. */
  addDataPlane(port?: number): Promise<DataPlaneHandle>;
  /** (Re)start the admin process after it was stopped. */
  startAdmin(): Promise<ManagedProcess>;
  /** Log tails of every process, for a failed test's output. */
  logs(lines?: number): string;
  /** Stop every process (SIGTERM, then SIGKILL) and remove the temp dir. */
  stop(): Promise<void>;
}

type Tree = Record<string, unknown>;

function isMap(v: unknown): v is Tree {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? deepMerge(out[k] as Tree, v) : v;
  return out;
}

function randomKey(): string {
  return randomBytes(24)
    .toString('base64url')
    .replace(/[^A-Za-z]/g, '')
    .padEnd(32, 'x')
    .slice(0, 32);
}

/**
 * Write temp config.yaml files (APISIX shape, JSON syntax) and spawn the BUILT admin and data
 * planes as separate processes, resolving once every port answers.
 */
export async function startPortico(opts: StartPorticoOptions): Promise<PorticoApps> {
  const role = opts.role ?? 'traditional';
  const dir = mkdtempSync(join(tmpdir(), 'portico-apps-'));
  const adminKey = opts.adminKey ?? randomKey();
  const viewerKey = opts.viewerKey ?? randomKey();
  const adminPort = opts.adminPort ?? (await freePort());
  const readyMs = opts.readyTimeoutMs ?? 20_000;
  const hosts = Array.isArray(opts.etcdEndpoint) ? opts.etcdEndpoint : [opts.etcdEndpoint];
  const env = { ...process.env, ...opts.env };
  const dataPlanes: DataPlaneHandle[] = [];
  let admin: ManagedProcess | undefined;

  const writeConf = (name: string, nodePort: number, accessLog: string, statusPort?: number, sslPort?: number): string => {
    const conf = deepMerge(
      {
        apisix: {
          node_listen: [nodePort],
          // Every data plane gets its own HTTPS port: APISIX's default 9443 would be shared.
          ssl: sslPort === undefined ? { enable: false } : { listen: [{ ip: '127.0.0.1', port: sslPort }] },
          ...(statusPort === undefined ? {} : { status: { ip: '127.0.0.1', port: statusPort } }),
        },
        nginx_config: { worker_processes: opts.workers ?? 1, http: { access_log: accessLog } },
        deployment: {
          role,
          admin: {
            admin_key: [
              { name: 'admin', key: adminKey, role: 'admin' },
              { name: 'viewer', key: viewerKey, role: 'viewer' },
            ],
            allow_admin: ['127.0.0.0/24'],
            admin_listen: { ip: '127.0.0.1', port: adminPort },
          },
          etcd: { host: hosts, prefix: opts.etcdPrefix ?? '/apisix', timeout: opts.etcdTimeout ?? 3 },
        },
      },
      opts.extraConf ?? {},
    );
    const path = join(dir, `${name}.yaml`);
    // JSON is valid YAML; the Debian yq (a jq wrapper) reads it as well.
    writeFileSync(path, `${JSON.stringify(conf, null, 2)}\n`);
    return path;
  };

  const launch = async (name: string, entry: string, confPath: string, port: number): Promise<ManagedProcess> => {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npx turbo run build)`);
    const p = spawnProcess({
      cmd: process.execPath,
      args: [entry],
      cwd: dir,
      env: { ...env, PORTICO_CONF: confPath },
      logFile: join(dir, `${name}.log`),
    });
    try {
      await waitForPort(port, {
        timeoutMs: readyMs,
        abort: () => {
          const x = p.exitInfo();
          return x ? `${name} exited (${x.code ?? x.signal}):\n${p.tail()}` : undefined;
        },
      });
    } catch (e) {
      await p.kill();
      throw new Error(`${(e as Error).message}\n--- ${name} log ---\n${p.tail()}`);
    }
    return p;
  };

  const firstDpPort = opts.dataPlanePort ?? (await freePort());
  const adminConf = writeConf('admin', firstDpPort, join(dir, 'admin-access.log'));

  const addDataPlane = async (port?: number): Promise<DataPlaneHandle> => {
    const n = dataPlanes.length + 1;
    const p = port ?? (n === 1 ? firstDpPort : await freePort());
    const accessLog = join(dir, `dp${n}-access.log`);
    const statusPort = opts.status ? await freePort() : undefined;
    const sslPort = await freePort();
    const confPath = writeConf(`dp${n}`, p, accessLog, statusPort, sslPort);
    const proc = await launch(`dp${n}`, appEntries.dataPlane, confPath, p);
    const h: DataPlaneHandle = {
      port: p,
      url: `http://127.0.0.1:${p}`,
      sslPort,
      httpsUrl: `https://127.0.0.1:${sslPort}`,
      confPath,
      accessLog,
      process: proc,
    };
    if (statusPort !== undefined) {
      h.statusPort = statusPort;
      h.statusUrl = `http://127.0.0.1:${statusPort}`;
    }
    dataPlanes.push(h);
    return h;
  };

  const apps: PorticoApps = {
    dir,
    adminKey,
    viewerKey,
    confPath: adminConf,
    adminPort,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    get admin() {
      return admin;
    },
    dataPlanes,
    addDataPlane,
    async startAdmin() {
      if (admin && !admin.exitInfo()) return admin;
      admin = await launch('admin', appEntries.admin, adminConf, adminPort);
      return admin;
    },
    logs(lines = 40) {
      const parts: string[] = [];
      if (admin) parts.push(`--- admin (${admin.logFile}) ---\n${admin.tail(lines)}`);
      for (const d of dataPlanes) parts.push(`--- data plane :${d.port} (${d.process.logFile}) ---\n${d.process.tail(lines)}`);
      return parts.join('\n');
    },
    async stop() {
      await Promise.all([admin?.stop(), ...dataPlanes.map((d) => d.process.stop())]);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    if (opts.admin ?? role !== 'data_plane') await apps.startAdmin();
    const count = opts.dataPlanes ?? (role === 'control_plane' ? 0 : 1);
    for (let i = 0; i < count; i++) await addDataPlane();
  } catch (e) {
    await apps.stop();
    throw e;
  }
  return apps;
}
