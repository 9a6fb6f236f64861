/**
 * The floor for a Node data plane: a minimal undici reverse proxy (its own process).
 *   node dist/servers/undici-proxy.js --port <p> --upstream http://127.0.0.1:<m> [--workers <n>]
 * Like the reference it parses and re-serialises a JSON request body, forwards the
 * request to the same path upstream and streams the response back chunk by chunk.
 * With `--workers n` (n > 1) it runs as Portico's data plane does: a node:cluster primary that
 * only forks, and n workers each accepting on the shared port (SCHED_NONE), so a 2-worker
 * Portico is compared with a 2-process floor.
 */
import cluster from 'node:cluster';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'content-length',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);
const HOP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding']);

function arg(name: string, dflt?: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : dflt;
  if (!v) throw new Error(`missing ${name}`);
  return v;
}

function forwardHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined && !HOP.has(k)) out[k] = v;
  }
  return out;
}

const workers = Number(arg('--workers', '1'));
if (workers > 1 && cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < workers; i++) cluster.fork();
  // A SIGTERM to the primary stops the workers too.
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  // Exit normally on a signal, so `node --cpu-prof` writes its profile.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
  serve();
}

function serve(): void {
  const port = Number(arg('--port'));
  const pool = new Pool(arg('--upstream'), { keepAliveTimeout: 60_000 });

  createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      let body: string | Buffer | undefined = parts.length ? Buffer.concat(parts) : undefined;
      if (body && (req.headers['content-type'] ?? '').includes('json')) body = JSON.stringify(JSON.parse(body.toString('utf8')));
      pool
        .request({ method: req.method as 'POST', path: req.url ?? '/', headers: forwardHeaders(req.headers), body: body ?? null })
        .then(async (up) => {
          const headers: Record<string, string | string[]> = {};
          for (const k in up.headers) {
            const v = up.headers[k];
            if (v !== undefined && !HOP_RESPONSE.has(k)) headers[k] = v;
          }
          res.writeHead(up.statusCode, headers);
          for await (const chunk of up.body) res.write(chunk);
          res.end();
        })
        .catch((e: Error) => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`bad gateway: ${e.message}`);
        });
    });
  }).listen(port, '127.0.0.1');
}
