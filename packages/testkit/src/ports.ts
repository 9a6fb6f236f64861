import { connect, createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (bind port 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Options for {@link waitForPort}. */
export interface WaitForPortOptions {
  host?: string;
  /** Give up after this many ms (default 15000). */
  timeoutMs?: number;
  /** Checked between attempts: stop waiting early (e.g. the process died). Return an error message. */
  abort?: () => string | undefined;
}

function tryConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/** Resolve once a TCP connection to host:port succeeds; reject after the timeout. */
export async function waitForPort(port: number, opts: WaitForPortOptions = {}): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    if (await tryConnect(port, host)) return;
    const why = opts.abort?.();
    if (why !== undefined) throw new Error(`gave up waiting for ${host}:${port}: ${why}`);
    if (Date.now() > deadline) throw new Error(`nothing answered on ${host}:${port} after ${opts.timeoutMs ?? 15_000}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
