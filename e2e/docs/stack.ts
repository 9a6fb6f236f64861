import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd, type EtcdProcess } from '@portico/testkit';

/** Repository root (e2e/docs/../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A running Portico (etcd + Admin API on :9180 + one data plane on :9080) in a throwaway project dir. */
export interface DocsStack {
  /** Project dir: holds conf/config.yaml (so the docs' `yq ... conf/config.yaml` works from here) and logs/. */
  dir: string;
  adminKey: string;
  confFile: string;
  accessLog: string;
  etcd: EtcdProcess;
  /** Last lines of the admin / data-plane logs (for failure messages). */
  tails(): string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra top-level YAML appended verbatim to conf/config.yaml (e.g. the docs' nginx_config block). */
  extraYaml?: string;
  /** CA bundle Portico trusts for the impersonated providers (NODE_EXTRA_CA_CERTS). */
  caFile: string;
}

interface App {
  name: string;
  child: ChildProcess;
  log: string;
}

function waitPort(port: number, app: App, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((res, rej) => {
    const attempt = (): void => {
      if (app.child.exitCode !== null || app.child.signalCode !== null) {
        rej(new Error(`${app.name} exited during startup:\n${tail(app.log)}`));
        return;
      }
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        res();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) rej(new Error(`${app.name} did not open :${port}:\n${tail(app.log)}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function tail(file: string, n = 25): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

function launch(name: string, script: string, dir: string, env: NodeJS.ProcessEnv): App {
  const log = join(dir, 'logs', `${name}.out`);
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [join(REPO_ROOT, script)], { cwd: dir, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.once('error', () => undefined);
  return { name, child, log };
}

async function stopApp(app: App): Promise<void> {
  const c = app.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/** The conf/config.yaml the docs assume: an admin key readable by yq, etcd, and optional doc snippets. */
export function renderConfig(adminKey: string, etcdEndpoint: string, extraYaml = ''): string {
  return [
    'deployment:',
    '  role: traditional',
    '  role_traditional:',
    '    config_provider: etcd',
    '  admin:',
    '    admin_key:',
    '      - name: admin',
    `        key: ${adminKey}`,
    '        role: admin',
    '  etcd:',
    '    host:',
    `      - "${etcdEndpoint}"`,
    '    prefix: /apisix',
    extraYaml.trimEnd(),
    '',
  ].join('\n');
}

/** Start etcd, the Admin API and a data plane from the built apps (apps/{admin,data-plane}/dist/main.js). */
export async function startStack(opts: StackOptions): Promise<DocsStack> {
  for (const script of ['apps/admin/dist/main.js', 'apps/data-plane/dist/main.js']) {
    if (!existsSync(join(REPO_ROOT, script))) throw new Error(`${script} is not built (run \`npx turbo run build\`)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'portico-docs-'));
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'logs'));
  const etcd = await startEtcd();
  const adminKey = randomBytes(16).toString('hex');
  const confFile = join(dir, 'conf', 'config.yaml');
  writeFileSync(confFile, renderConfig(adminKey, etcd.endpoint, opts.extraYaml));
  const env = { ...process.env, PORTICO_CONF: confFile, NODE_EXTRA_CA_CERTS: opts.caFile };
  const apps: App[] = [];
  const stop = async (): Promise<void> => {
    for (const a of [...apps].reverse()) await stopApp(a);
    await etcd.cleanup();
    // PORTICO_DOCS_KEEP=1 keeps conf/, logs/ and the step scripts for debugging.
    if (process.env.PORTICO_DOCS_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  try {
    apps.push(launch('admin', 'apps/admin/dist/main.js', dir, env));
    await waitPort(9180, apps[0] as App);
    apps.push(launch('data-plane', 'apps/data-plane/dist/main.js', dir, env));
    await waitPort(9080, apps[1] as App);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    adminKey,
    confFile,
    accessLog: join(dir, 'logs', 'access.log'),
    etcd,
    tails: () => apps.map((a) => `--- ${a.name} ---\n${tail(a.log)}`).join('\n'),
    stop,
  };
}
