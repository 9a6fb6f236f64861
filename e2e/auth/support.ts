/** Shared setup of the auth e2e suites: real etcd, the built admin and data plane, an echo upstream. */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { expect } from 'vitest';
import { adminRequest, eventually, startEchoUpstream, type Upstream } from '../helpers.js';

export interface AuthStack {
  etcd: EtcdProcess;
  apps: PorticoApps;
  echo: Upstream;
  url: string;
  stop(): Promise<void>;
}

export async function startAuthStack(): Promise<AuthStack> {
  const etcd = await startEtcd();
  const apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  const echo = await startEchoUpstream('echo');
  return {
    etcd,
    apps,
    echo,
    url: apps.dataPlanes[0]!.url,
    async stop() {
      await apps.stop();
      await echo.close();
      await etcd.cleanup();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** What the echo upstream saw. */
export interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}

/** A raw HTTP/1.1 call (node:http: any header may be set, Date and Cookie included). */
export function call(
  url: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: opts.method ?? 'GET', headers: opts.headers ?? {}, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function seen(a: Answer): Seen {
  expect(a.status).toBe(200);
  return JSON.parse(a.text) as Seen;
}

/** PUT through the Admin API, expecting 200/201. */
export async function put(stack: AuthStack, path: string, body: unknown): Promise<void> {
  const r = await adminRequest(stack.apps, 'PUT', path, body);
  expect([200, 201], r.text).toContain(r.status);
}

/** Wait until `path` answers `status` (the data plane applied the config). */
export async function until(
  stack: AuthStack,
  path: string,
  status: number,
  opts: Parameters<typeof call>[2] = {},
): Promise<Answer> {
  return eventually(async () => {
    const r = await call(stack.url, path, opts);
    expect(r.status).toBe(status);
    return r;
  });
}

/** Every log the stack wrote so far: admin and data-plane process logs and access logs. */
export function allLogs(stack: AuthStack): string {
  const files = [stack.apps.admin?.logFile, ...stack.apps.dataPlanes.flatMap((d) => [d.process.logFile, d.accessLog])];
  return files
    .filter((f): f is string => f !== undefined)
    .map((f) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');
}

/** The raw value stored under an etcd key (etcd's v3 JSON gateway), or undefined. */
export async function etcdValue(stack: AuthStack, key: string): Promise<string | undefined> {
  const res = await fetch(`${stack.etcd.endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64') }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { kvs?: { value: string }[] };
  const v = body.kvs?.[0]?.value;
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString();
}
