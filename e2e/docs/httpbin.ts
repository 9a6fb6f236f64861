import { createServer, type IncomingMessage, type Server } from 'node:http';

// httpbin.org impersonated on :80 (the ai-request-rewrite doc's Upstream `httpbin.org:80`): `/anything`
// echoes the request the way httpbin does (args, data, headers, json, method, origin, url), so the
// suite sees the body the gateway forwarded after the rewrite.

/** One request httpbin saw. */
export interface HttpbinRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Httpbin {
  requests: HttpbinRequest[];
  close(): Promise<void>;
}

function titleCase(h: string): string {
  return h.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

export async function startHttpbin(port = 80): Promise<Httpbin> {
  const requests: HttpbinRequest[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      const url = req.url ?? '/';
      requests.push({ method: req.method ?? '', url, headers: req.headers, body });
      if (!url.startsWith('/anything')) {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<h1>Not Found</h1>');
        return;
      }
      let json: unknown = null;
      try {
        json = body ? (JSON.parse(body) as unknown) : null;
      } catch {
        json = null;
      }
      const q = new URL(url, 'http://x').searchParams;
      const text = JSON.stringify(
        {
          args: Object.fromEntries(q),
          data: body,
          files: {},
          form: {},
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [titleCase(k), Array.isArray(v) ? v.join(',') : v]),
          ),
          json,
          method: req.method,
          origin: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
          url: `http://${req.headers.host ?? 'httpbin.org'}${url}`,
        },
        null,
        2,
      );
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(`${text}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
