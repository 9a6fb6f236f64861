// Shared helpers of the resilience suite: client load with failure accounting, per-pod
// revision polling (GET /status/revision), convergence statistics, raw etcd access through
// etcd's JSON gateway, and a second admin process.
import { request, type Agent } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  appEntries,
  freePort,
  spawnProcess,
  waitForPort,
  type DataPlaneHandle,
  type ManagedProcess,
  type PorticoApps,
} from '@portico/testkit';

/** A plain GET; `agent: false` opens a fresh connection (and so reaches any worker). */
export function httpGet(
  url: string,
  opts: { agent?: Agent | false; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: opts.agent ?? false, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error(`timeout GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Result of a load run. */
export interface LoadResult {
  ok: number;
  failed: number;
  /** The first few failures, for the assertion message. */
  errors: string[];
}

/**
 * Closed-loop client load: `concurrency` loops per URL, each sending GETs back to back over
 * keep-alive (fetch) and counting anything but a 200 as a failure. Bounded by stop().
 */
export function startLoad(urls: string[], concurrency = 2): { stop(): Promise<LoadResult>; snapshot(): LoadResult } {
  const result: LoadResult = { ok: 0, failed: 0, errors: [] };
  let running = true;
  const loop = async (url: string): Promise<void> => {
    while (running) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        if (res.status === 200) result.ok++;
        else {
          result.failed++;
          if (result.errors.length < 5) result.errors.push(`${url} -> ${res.status}`);
        }
      } catch (e) {
        result.failed++;
        if (result.errors.length < 5) result.errors.push(`${url} -> ${String((e as Error).cause ?? e)}`);
      }
    }
  };
  const loops = urls.flatMap((u) => Array.from({ length: concurrency }, () => loop(u)));
  return {
    snapshot: () => ({ ...result, errors: [...result.errors] }),
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

/** Body of GET /status/revision. */
export interface PodRevision {
  revision: number | null;
  workers: Array<{ id: number; pid: number; ready: boolean; revision: number | null }>;
}

/** The pod's applied revision (lowest over its workers). */
export async function podRevision(dp: DataPlaneHandle): Promise<PodRevision> {
  const res = await httpGet(`${dp.statusUrl!}/status/revision`, { timeoutMs: 3000 });
  return JSON.parse(res.body) as PodRevision;
}

/** Wait until every pod's revision is >= `revision`; bounded. */
export async function waitConverged(pods: DataPlaneHandle[], revision: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const revs = await Promise.all(pods.map(async (p) => (await podRevision(p)).revision ?? 0));
    if (revs.every((r) => r >= revision)) return;
    if (Date.now() > deadline) throw new Error(`pods at revisions ${revs.join(', ')}, expected >= ${revision}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Record, per pod, when its applied revision first reached each awaited revision. Polls every
 * `intervalMs` (the measurement's resolution) until stopped.
 */
export function watchConvergence(pods: DataPlaneHandle[], intervalMs = 10) {
  const reached = pods.map(() => [] as Array<{ revision: number; at: number }>);
  const last = pods.map(() => -1);
  let running = true;
  const sample = async (i: number): Promise<void> => {
    try {
      const r = (await podRevision(pods[i]!)).revision;
      if (r !== null && r > last[i]!) {
        reached[i]!.push({ revision: r, at: performance.now() });
        last[i] = r;
      }
    } catch {
      // a busy pod answers next time
    }
  };
  const loops = pods.map(async (_p, i) => {
    while (running) {
      await sample(i);
      await new Promise((res) => setTimeout(res, intervalMs));
    }
  });
  return {
    /** Delays (ms) from `writtenAt` to each pod first applying `revision` (undefined: not yet). */
    delays(revision: number, writtenAt: number): Array<number | undefined> {
      return reached.map((list) => {
        const hit = list.find((x) => x.revision >= revision);
        return hit === undefined ? undefined : Math.max(0, hit.at - writtenAt);
      });
    },
    /** Stop polling after one last sample of each pod (a slow poll may predate the final revision). */
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
      await Promise.all(pods.map((_p, i) => sample(i)));
    },
  };
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Call the Admin API at `baseUrl` with `key`. */
export async function admin(
  baseUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown>; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'X-API-KEY': key, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown>, ms: performance.now() - t0 };
}

/** PUT a route and return the etcd revision that wrote it (modifiedIndex of a follow-up GET). */
export async function putRoute(baseUrl: string, key: string, id: string, route: unknown): Promise<number> {
  const put = await admin(baseUrl, key, 'PUT', `/apisix/admin/routes/${id}`, route);
  if (put.status !== 200 && put.status !== 201) throw new Error(`PUT route ${id}: ${put.status} ${JSON.stringify(put.json)}`);
  const got = await admin(baseUrl, key, 'GET', `/apisix/admin/routes/${id}`);
  return got.json.modifiedIndex as number;
}

/** A second admin process on its own port, from a copy of the first admin's config. */
export async function startSecondAdmin(apps: PorticoApps): Promise<{ url: string; process: ManagedProcess }> {
  const port = await freePort();
  const conf = JSON.parse(readFileSync(apps.confPath, 'utf8')) as { deployment: { admin: { admin_listen: { port: number } } } };
  conf.deployment.admin.admin_listen.port = port;
  const confPath = join(apps.dir, 'admin2.yaml');
  writeFileSync(confPath, JSON.stringify(conf, null, 2));
  const p = spawnProcess({
    cmd: process.execPath,
    args: [appEntries.admin],
    cwd: apps.dir,
    env: { ...process.env, PORTICO_CONF: confPath },
    logFile: join(apps.dir, 'admin2.log'),
  });
  await waitForPort(port, { timeoutMs: 20_000, abort: () => (p.exitInfo() ? p.tail() : undefined) });
  return { url: `http://127.0.0.1:${port}`, process: p };
}

/** etcd's JSON gateway: base64 keys and values. */
async function etcdRpc(endpoint: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Put a raw key straight into etcd (bypassing the admin). */
export async function etcdPut(endpoint: string, key: string, value: string): Promise<number> {
  const r = await etcdRpc(endpoint, '/v3/kv/put', { key: b64(key), value: b64(value) });
  return Number((r.header as { revision: string }).revision);
}

/** Route ids under `<prefix>/routes/` in etcd, and the revision of the read. */
export async function etcdRouteIds(endpoint: string, prefix: string): Promise<{ revision: number; ids: string[] }> {
  const start = `${prefix}/routes/`;
  const end = `${prefix}/routes0`; // '/' + 1
  const r = await etcdRpc(endpoint, '/v3/kv/range', { key: b64(start), range_end: b64(end), keys_only: true });
  const kvs = (r.kvs as Array<{ key: string }> | undefined) ?? [];
  return {
    revision: Number((r.header as { revision: string }).revision),
    ids: kvs.map((kv) => Buffer.from(kv.key, 'base64').toString().slice(start.length)).filter((id) => id !== ''),
  };
}

/** Wait until GET /status/ready on the pod answers `status`; bounded. */
export async function waitReady(dp: DataPlaneHandle, status = 200, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await httpGet(`${dp.statusUrl!}/status/ready`, { timeoutMs: 2000 });
      if (r.status === status) return;
      last = `${r.status} ${r.body}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`/status/ready never answered ${status}; last: ${last}`);
}

/** Count lines of a log file containing `needle`. */
export function countLog(file: string, needle: string): number {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes(needle)).length;
  } catch {
    return 0;
  }
}
