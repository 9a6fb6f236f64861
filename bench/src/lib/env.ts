import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  startEtcd,
  startPortico,
  startRedis,
  type EtcdProcess,
  type PorticoApps,
  type RedisProcess,
} from '@portico/testkit';
import { findNginx, startNginx } from '../servers/nginx.js';
import { litellmMissing, startLitellm } from '../servers/litellm.js';
import { portkeyMissing, startPortkey } from '../servers/portkey.js';
import { adminPut, fetchText, pollUntil } from './admin.js';
import type { Procs } from './procs.js';
import { porticoRoutes } from './routes.js';

/** Everything the scenarios measure, started once per run. */
export interface BenchEnv {
  dir: string;
  mockPort: number;
  /** Base URLs (no trailing slash); undefined when that reference is skipped. */
  urls: { direct: string; undici: string; nginx?: string; portkey?: string; litellm?: string; portico: string };
  portkeyPort?: number;
  /** PIDs of the reference servers (CPU per request is read from /proc of each process tree). */
  pids: { mock: number; undici: number; portkey?: number; litellm?: number };
  portico: PorticoApps;
  /** Environment the Portico processes were started with (more data planes get the same). */
  porticoEnv: NodeJS.ProcessEnv;
  etcd: EtcdProcess;
  redis?: RedisProcess;
  /** Reference → why it was skipped. */
  skipped: Record<string, string>;
  /** Stream profile served under /long/ (chunks, interval); /held/ has 4× the interval. */
  long: { chunks: number; intervalMs: number };
}

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export interface EnvOptions {
  dir: string;
  long: { chunks: number; intervalMs: number };
  /** Profile the data plane(s) with --cpu-prof into this dir. */
  cpuProfDir?: string;
  withPortkey: boolean;
  withNginx: boolean;
  /** Start LiteLLM's proxy when installed (bench/litellm/install.sh). */
  withLitellm?: boolean;
  /** Extra environment of the Portico processes. */
  porticoEnv?: NodeJS.ProcessEnv;
}

/** Start the mock, the references, etcd, redis and one Portico data plane, and load the bench routes. */
export async function startEnv(procs: Procs, o: EnvOptions): Promise<BenchEnv> {
  const skipped: Record<string, string> = {};
  const mockPort = await freePort();
  const mock = await procs.start(
    'mock-llm',
    process.execPath,
    [
      here('../servers/mock-llm.js'),
      '--port',
      String(mockPort),
      '--profile',
      ':8:0',
      '--profile',
      `long:${o.long.chunks}:${o.long.intervalMs}`,
      '--profile',
      `held:${o.long.chunks}:${o.long.intervalMs * 4}`,
    ],
    mockPort,
  );
  const upstream = `http://127.0.0.1:${mockPort}`;

  const undiciPort = await freePort();
  const undici = await procs.start(
    'undici-proxy',
    process.execPath,
    [here('../servers/undici-proxy.js'), '--port', String(undiciPort), '--upstream', upstream],
    undiciPort,
  );

  let nginxUrl: string | undefined;
  const nginxBin = findNginx();
  if (!o.withNginx) skipped.nginx = 'not requested';
  else if (!nginxBin) skipped.nginx = 'nginx not installed (apt-get install nginx-light)';
  else {
    const port = await freePort();
    const dir = `${o.dir}/nginx`;
    mkdirSync(dir, { recursive: true });
    await startNginx(procs, nginxBin, dir, port, mockPort);
    nginxUrl = `http://127.0.0.1:${port}`;
  }

  const pids: BenchEnv['pids'] = { mock: mock.pid, undici: undici.pid };
  let portkeyUrl: string | undefined;
  let portkeyPort: number | undefined;
  const why = o.withPortkey ? portkeyMissing() : 'not requested';
  if (why) skipped.portkey = why;
  else {
    portkeyPort = await freePort();
    try {
      pids.portkey = await startPortkey(procs, portkeyPort);
      portkeyUrl = `http://127.0.0.1:${portkeyPort}`;
    } catch (e) {
      skipped.portkey = `failed to start: ${(e as Error).message.slice(0, 200)}`;
    }
  }

  let litellmUrl: string | undefined;
  const whyNot = o.withLitellm ? litellmMissing() : 'not requested';
  if (whyNot) skipped.litellm = whyNot;
  else {
    const port = await freePort();
    try {
      pids.litellm = await startLitellm(procs, o.dir, port, mockPort);
      litellmUrl = `http://127.0.0.1:${port}`;
    } catch (e) {
      skipped.litellm = `failed to start: ${(e as Error).message.slice(0, 300)}`;
    }
  }

  const etcd = await startEtcd();
  procs.own({ name: 'etcd', stop: () => etcd.cleanup() });
  let redis: RedisProcess | undefined;
  try {
    redis = await startRedis();
    const r = redis;
    procs.own({ name: 'redis', stop: () => r.cleanup() });
  } catch (e) {
    skipped.redis = `redis-server failed: ${(e as Error).message.slice(0, 200)}`;
  }

  // Node 20 refuses --cpu-prof in NODE_OPTIONS; a preload starts the inspector's profiler instead.
  const env: NodeJS.ProcessEnv = {
    ...o.porticoEnv,
    ...(o.cpuProfDir
      ? { NODE_OPTIONS: `--import=${new URL('./cpu-prof-preload.js', import.meta.url).href}`, BENCH_CPU_PROF_DIR: o.cpuProfDir }
      : {}),
  };
  const portico = await startPortico({
    etcdEndpoint: etcd.endpoint,
    dataPlanes: 1,
    env,
    extraConf: { nginx_config: { http: { enable_access_log: false } } },
  });
  procs.own({ name: 'portico', stop: () => portico.stop() });

  const routes = porticoRoutes(mockPort, redis?.port);
  for (const [path, body] of routes) await adminPut(portico.adminUrl, portico.adminKey, path, body);
  const dp = portico.dataPlanes[0]!.url;
  const ready = await pollUntil(async () => (await fetchText(`${dp}/plain/ready`)).status === 200, 10_000);
  if (!ready) throw new Error(`data plane never served /plain/ready:\n${portico.logs(30)}`);

  return {
    dir: o.dir,
    mockPort,
    urls: {
      direct: upstream,
      undici: `http://127.0.0.1:${undiciPort}`,
      portico: dp,
      ...(nginxUrl ? { nginx: nginxUrl } : {}),
      ...(portkeyUrl ? { portkey: portkeyUrl } : {}),
      ...(litellmUrl ? { litellm: litellmUrl } : {}),
    },
    pids,
    ...(portkeyPort ? { portkeyPort } : {}),
    portico,
    porticoEnv: env,
    etcd,
    ...(redis ? { redis } : {}),
    skipped,
    long: o.long,
  };
}
