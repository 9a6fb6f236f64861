import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drainServer } from './drain.js';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

/** A server whose /slow responses end when `release()` is called. */
async function start(): Promise<{ port: number; release(): void }> {
  const pending: Array<() => void> = [];
  server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.url === '/slow') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      pending.push(() => res.end('data: 2\n\n'));
      return;
    }
    res.end('fast');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    release: () => {
      for (const f of pending.splice(0)) f();
    },
  };
}

function get(
  port: string | number,
  path: string,
  agent: import('node:http').Agent,
): Promise<{ body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ body, connection: res.headers.connection }));
      res.on('close', () => resolve({ body, connection: 'cut' }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('drainServer', () => {
  it('lets an in-flight stream finish, closes idle keep-alive connections, then resolves', async () => {
    const { Agent } = await import('node:http');
    const s = await start();
    const agent = new Agent({ keepAlive: true });
    // One idle keep-alive connection and one open stream.
    expect((await get(s.port, '/fast', agent)).body).toBe('fast');
    const stream = get(s.port, '/slow', agent);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    let drained = false;
    const d = drainServer(server!, 5000).then((r) => {
      drained = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(drained).toBe(false);
    s.release();
    expect((await stream).body).toBe('data: 1\n\ndata: 2\n\n');
    expect(await d).toEqual({ forced: 0 });
    expect(Date.now() - t0).toBeLessThan(2000);
    agent.destroy();
  });

  it('answers a request arriving on an open keep-alive connection with Connection: close, then closes it', async () => {
    const s = await start();
    const sock = connect(s.port, '127.0.0.1');
    let raw = '';
    sock.on('data', (c: Buffer) => (raw += c.toString()));
    const ended = new Promise<void>((r) => sock.on('close', () => r()));
    sock.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const d = drainServer(server!, 5000);
    sock.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    s.release();
    await ended;
    const responses = raw.split('HTTP/1.1 ').slice(1);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^200 OK\r\n/);
    expect(responses[0]).toContain('data: 2');
    expect(responses[1]).toMatch(/^200 OK\r\n/);
    expect(responses[1]).toContain('\r\nConnection: close\r\n');
    expect(responses[1]!.endsWith('fast')).toBe(true);
    expect(await d).toEqual({ forced: 0 });
  });

  it('closes connections still open at the deadline and counts them', async () => {
    const { Agent } = await import('node:http');
    const s = await start();
    const agent = new Agent({ keepAlive: true });
    const stream = get(s.port, '/slow', agent);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    expect(await drainServer(server!, 300)).toEqual({ forced: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(await stream).toEqual({ body: 'data: 1\n\n', connection: 'cut' });
    s.release();
    agent.destroy();
  });
});
