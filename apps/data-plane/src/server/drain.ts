import type { Server } from 'node:http';

/** How a drain ended. */
export interface DrainResult {
  /** Connections still open at the deadline, closed by force. */
  forced: number;
}

/**
 * Graceful stop of an HTTP server (nginx's graceful worker shutdown): stop accepting, answer
 * requests that arrive on open keep-alive connections with `Connection: close`, close each
 * connection as soon as it is idle, and after `deadlineMs` (worker_shutdown_timeout) close
 * whatever is still open. In-flight requests and streams keep their connection until they end.
 * Resolves once the server has no connection left.
 */
export function drainServer(server: Server, deadlineMs: number): Promise<DrainResult> {
  return new Promise((resolve) => {
    let forced = 0;
    // Runs before the data plane's handler: the response goes out with Connection: close.
    server.prependListener('request', (_req, res) => {
      res.shouldKeepAlive = false;
    });
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => {
      server.getConnections((_err, count) => {
        forced = count;
        server.closeAllConnections();
      });
    }, deadlineMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve({ forced });
    });
    server.closeIdleConnections();
  });
}
