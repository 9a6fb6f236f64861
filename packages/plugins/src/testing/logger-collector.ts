import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the collector received. */
export interface CollectedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP log collector on 127.0.0.1:0 for http-logger tests. */
export interface LogCollector {
  readonly url: string;
  readonly port: number;
  readonly requests: CollectedRequest[];
  /** Status the next requests get (default 200). */
  status: number;
  /** Resolves once `n` requests arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<CollectedRequest[]>;
  close(): Promise<void>;
}

/** Start a collector. */
export async function startLogCollector(): Promise<LogCollector> {
  const requests: CollectedRequest[] = [];
  let waiters: Array<() => void> = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.statusCode = state.status;
      res.end(state.status >= 400 ? 'nope' : 'ok');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/logs?tenant=a`,
    port,
    requests,
    get status() {
      return state.status;
    },
    set status(s: number) {
      state.status = s;
    },
    waitFor(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`collector got ${requests.length}/${n} requests`)), timeoutMs);
        const check = () => {
          if (requests.length >= n) {
            clearTimeout(timer);
            resolve(requests.slice());
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        waiters = [];
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
