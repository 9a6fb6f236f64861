import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nginxErrorPage } from '@portico/plugin-helpers';
import type { Readiness } from './readiness.js';

/** One worker's applied etcd revision, as GET /status/revision reports it. */
export interface WorkerRevision {
  id: number;
  pid: number;
  ready: boolean;
  /** null when the worker did not answer in time (busy, starting, or gone). */
  revision: number | null;
  /** Portico: the worker's memory and event-loop delay (cluster/runtime-stats.ts), when it answered. */
  rssBytes?: number;
  heapUsedBytes?: number;
  eventLoopDelayMs?: { windowMs: number; p50: number; p99: number; max: number } | null;
}

/** Body of GET /status/revision. */
export interface PodRevision {
  /** The revision every worker has applied (the lowest); null while any worker has none. */
  revision: number | null;
  workers: WorkerRevision[];
}

/** Where the status server reads its answers from (the primary's worker pool). */
export interface StatusSource {
  readiness(): Readiness;
  revisions(): Promise<PodRevision>;
}

/** A running status server. */
export interface StatusServer {
  readonly port: number;
  close(): Promise<void>;
}

const OK = '{"status":"ok"}';

/**
 * APISIX's status API (apisix/cli/ngx_tpl.lua `location /status` and `/status/ready`, both
 * nginx prefix locations, answered by apisix/init.lua with a JSON string body under nginx's
 * default text/plain type), plus Portico's `/status/revision` so operators and tests can see
 * which etcd revision each worker of the pod serves.
 */
export function statusHandler(source: StatusSource): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path === '/status/revision') {
      void source.revisions().then(
        (rev) => send(res, 200, JSON.stringify(rev), 'application/json'),
        () => send(res, 500, undefined),
      );
      return;
    }
    if (path.startsWith('/status/ready')) {
      const r = source.readiness();
      send(res, r.ok ? 200 : 503, r.ok ? OK : JSON.stringify({ status: 'error', error: r.error }));
      return;
    }
    if (path.startsWith('/status')) return send(res, 200, OK);
    send(res, 404, undefined);
  };
}

function send(res: ServerResponse, status: number, body: string | undefined, type = 'text/plain'): void {
  const bytes = body === undefined ? (nginxErrorPage(status) ?? Buffer.alloc(0)) : Buffer.from(body);
  res.writeHead(status, {
    'content-type': body === undefined ? 'text/html' : type,
    'content-length': bytes.length,
  });
  res.end(bytes);
}

/** Listen on `addr` (apisix.status) and serve the status API. */
export async function startStatusServer(addr: { ip: string; port: number }, source: StatusSource): Promise<StatusServer> {
  const server: Server = createServer({ keepAliveTimeout: 5_000 }, statusHandler(source));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.ip, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
