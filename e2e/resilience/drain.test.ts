// Graceful drain (SIGTERM): readiness turns 503 at once, the listener closes, idle keep-alive
// connections close promptly, an in-flight SSE stream completes, then the process exits 0;
// a stream still open at nginx_config.worker_shutdown_timeout is cut and the exit is still 0.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure, startUpstream, type Upstream } from '../helpers.js';
import { httpGet, putRoute, waitConverged, waitReady } from './support.js';

let etcd: EtcdProcess;
let upstream: Upstream;
let apps: PorticoApps | undefined;

/** SSE upstream: `n` events `gap` ms apart, then [DONE]. */
function sse(res: import('node:http').ServerResponse, n: number, gap: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let i = 0;
  const t = setInterval(() => {
    if (res.destroyed) return clearInterval(t);
    if (++i > n) {
      clearInterval(t);
      res.end('data: [DONE]\n\n');
      return;
    }
    res.write(`data: ${i}\n\n`);
  }, gap);
}

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/sse') return sse(res, 12, 150);
    if (req.url === '/long') return sse(res, 100, 100);
    res.end('fast');
  });
  etcd = await startEtcd();
});
afterEach(async () => {
  await apps?.stop();
  apps = undefined;
});
afterAll(async () => {
  await upstream?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

async function stack(shutdownTimeout: string): Promise<PorticoApps> {
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    workers: 2,
    status: true,
    extraConf: { nginx_config: { worker_shutdown_timeout: shutdownTimeout, http: { enable_access_log: false } } },
  });
  await waitReady(apps.dataPlanes[0]!);
  let rev = 0;
  for (const uri of ['/sse', '/long', '/fast']) {
    rev = await putRoute(apps.adminUrl, apps.adminKey, uri.slice(1), {
      uri,
      upstream: { type: 'roundrobin', nodes: { [upstream.node]: 1 } },
    });
  }
  await waitConverged(apps.dataPlanes, rev);
  return apps;
}

/** A streaming GET recording each chunk's arrival time and how the response ended. */
function stream(url: string) {
  const chunks: Array<{ at: number; text: string }> = [];
  let first!: () => void;
  const firstChunk = new Promise<void>((r) => (first = r));
  const done = new Promise<{ status: number; body: string; complete: boolean; endedAt: number }>((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        chunks.push({ at: performance.now(), text: c });
        first();
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: chunks.map((c) => c.text).join(''),
          complete: true,
          endedAt: performance.now(),
        }),
      );
      res.on('error', () => undefined);
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: chunks.map((c) => c.text).join(''),
          complete: res.complete,
          endedAt: performance.now(),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
  return { firstChunk, done };
}

/** A keep-alive connection that made one request and now sits idle; resolves when closed. */
async function idleKeepAlive(port: number): Promise<{ closed: Promise<number> }> {
  const sock: Socket = connect(port, '127.0.0.1');
  let raw = '';
  await new Promise<void>((resolve) => {
    sock.on('data', (c: Buffer) => {
      raw += c.toString();
      if (raw.endsWith('fast')) resolve();
    });
    sock.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  return { closed: new Promise((r) => sock.on('close', () => r(performance.now()))) };
}

describe('graceful drain on SIGTERM', () => {
  it('turns readiness 503, closes the listener and idle connections, completes an in-flight SSE stream, exits 0', async () => {
    const a = await stack('10s');
    const dp = a.dataPlanes[0]!;
    const idle = await idleKeepAlive(dp.port);
    const s = stream(`${dp.url}/sse`);
    await s.firstChunk;

    const sigterm = performance.now();
    const exited = dp.process.stop('SIGTERM', 20_000).then((x) => ({ ...x, at: performance.now() }));

    // Readiness flips first: poll it right away.
    let ready = await httpGet(`${dp.statusUrl!}/status/ready`);
    while (ready.status === 200 && performance.now() - sigterm < 2000) ready = await httpGet(`${dp.statusUrl!}/status/ready`);
    const readyFlipMs = performance.now() - sigterm;
    expect(ready.status).toBe(503);
    expect(ready.body).toBe('{"status":"error","error":"shutting down"}');
    // Liveness stays 200 while draining.
    expect((await httpGet(`${dp.statusUrl!}/status`)).status).toBe(200);

    const idleClosedMs = (await idle.closed) - sigterm;
    let refused = '';
    for (let i = 0; i < 40 && refused === ''; i++) {
      await httpGet(`${dp.url}/fast`).catch((e: NodeJS.ErrnoException) => (refused = e.code ?? String(e)));
      if (refused === '') await new Promise((r) => setTimeout(r, 50));
    }
    // Refused once the listening socket is closed; a connection the kernel queued in the instant
    // before close is reset instead. Either way no new request is served after SIGTERM.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(refused);

    const r = await s.done;
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(r.body).toBe(`${Array.from({ length: 12 }, (_, i) => `data: ${i + 1}\n\n`).join('')}data: [DONE]\n\n`);
    expect(r.endedAt).toBeGreaterThan(sigterm + 500);

    const x = await exited;
    expect({ code: x.code, signal: x.signal }).toEqual({ code: 0, signal: null });
    console.log(
      `drain: readiness 503 after ${readyFlipMs.toFixed(0)} ms, idle keep-alive closed after ${idleClosedMs.toFixed(0)} ms, ` +
        `SSE stream ended ${(r.endedAt - sigterm).toFixed(0)} ms after SIGTERM, process exited 0 ` +
        `${(x.at - r.endedAt).toFixed(0)} ms after the stream ended`,
    );
    expect(readyFlipMs).toBeLessThan(500);
    expect(idleClosedMs).toBeLessThan(1000);
    expect(x.at - r.endedAt).toBeLessThan(2000);
  });

  it('cuts a stream still open at worker_shutdown_timeout and still exits 0', async () => {
    const a = await stack('1s');
    const dp = a.dataPlanes[0]!;
    const s = stream(`${dp.url}/long`);
    await s.firstChunk;
    const sigterm = performance.now();
    const x = await dp.process.stop('SIGTERM', 20_000);
    const exitMs = performance.now() - sigterm;
    expect(x).toEqual({ code: 0, signal: null });
    const r = await s.done;
    expect(r.complete).toBe(false);
    expect(r.body).toMatch(/^data: 1\n\n/);
    expect(r.body).not.toContain('[DONE]');
    expect(r.endedAt - sigterm).toBeGreaterThan(900);
    expect(exitMs).toBeGreaterThan(900);
    expect(exitMs).toBeLessThan(4000);
  });
});
