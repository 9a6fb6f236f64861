// A real Prometheus server (Debian's `prometheus` package) for the observability e2e tests:
// a generated config scraping the given targets at a short interval, on a free port, with
// its TSDB in a temp dir removed at stop.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@portico/testkit';
import { eventually } from '../helpers.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

export interface PrometheusServer {
  url: string;
  /** Instant query through the HTTP API; the `data.result` vector. */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Last lines of the server's output (for a failed test). */
  log(): string;
  stop(): Promise<void>;
}

export interface ScrapeTarget {
  /** host:port of an exporter. */
  address: string;
  metricsPath: string;
}

/** Start Prometheus scraping `targets` every `intervalS` seconds; resolves once it is ready. */
export async function startPrometheus(targets: ScrapeTarget[], intervalS = 1): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-prometheus-'));
  const port = await freePort();
  const jobs = targets
    .map(
      (t, i) =>
        `  - job_name: portico-${i}\n    metrics_path: ${JSON.stringify(t.metricsPath)}\n    static_configs:\n      - targets: [${JSON.stringify(t.address)}]\n`,
    )
    .join('');
  const conf = join(dir, 'prometheus.yml');
  writeFileSync(
    conf,
    `global:\n  scrape_interval: ${intervalS}s\n  scrape_timeout: ${intervalS}s\n  evaluation_interval: ${intervalS}s\nscrape_configs:\n${jobs}`,
  );
  const proc: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${conf}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const keep = (c: Buffer): void => void (out = (out + c.toString()).slice(-20_000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (proc.exitCode !== null) throw new Error(`prometheus exited ${proc.exitCode}: ${out}`);
      const r = await fetch(`${url}/-/ready`);
      if (r.status !== 200) throw new Error(`prometheus not ready: ${r.status}`);
    },
    30_000,
    200,
  );
  return {
    url,
    async query(q) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await r.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query ${q} failed: ${body.error}`);
      return body.data!.result;
    },
    log: () => out,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `promtool check metrics` on an exposition: its exit code and every line it printed. */
export function promtoolCheck(exposition: string): { code: number; findings: string[] } {
  const r = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  const findings = `${r.stdout}${r.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return { code: r.status ?? -1, findings };
}
