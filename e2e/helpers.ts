import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { PorticoApps } from '@portico/testkit';

/** Response of {@link adminRequest}: status, headers and raw body text. */
export interface AdminResponse {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

/** Call the Admin API with the admin key (or `key`, or none when `key` is null). */
export async function adminRequest(
  apps: PorticoApps,
  method: string,
  path: string,
  body?: unknown,
  key: string | null = apps.adminKey,
): Promise<AdminResponse> {
  const headers: Record<string, string> = {};
  if (key !== null) headers['X-API-KEY'] = key;
  const res = await fetch(`${apps.adminUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

/** Retry `fn` until it stops throwing (config propagates through etcd watches asynchronously). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** A local upstream server on 127.0.0.1:0. */
export interface Upstream {
  port: number;
  /** "127.0.0.1:<port>", the APISIX node key. */
  node: string;
  server: Server;
  close(): Promise<void>;
}

/** Start a node:http upstream with `handler`. */
export async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    node: `127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An upstream that answers JSON describing the request it got (method, url, headers, body). */
export function startEchoUpstream(name = 'upstream'): Promise<Upstream> {
  return startUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-upstream', name);
      res.end(
        JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
  });
}

/** Print every Portico process's log tail after a failed test in this file. */
export function dumpLogsOnFailure(getApps: () => PorticoApps | undefined): void {
  afterEach((ctx) => {
    const apps = getApps();
    if (apps && ctx.task.result?.state === 'fail') console.log(apps.logs(60));
  });
}
