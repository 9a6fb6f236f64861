import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, waitForPort } from './ports.js';

describe('freePort / waitForPort', () => {
  it('returns a port nobody listens on, then sees it once a server listens', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    await expect(waitForPort(port, { timeoutMs: 200 })).rejects.toThrow(`nothing answered on 127.0.0.1:${port} after 200ms`);
    const srv = createServer((s) => s.end());
    const listening = new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
    await listening;
    await waitForPort(port, { timeoutMs: 2000 });
    await new Promise((r) => srv.close(r));
  });

  it('stops waiting when abort returns a reason', async () => {
    const port = await freePort();
    await expect(waitForPort(port, { timeoutMs: 5000, abort: () => 'process exited' })).rejects.toThrow(
      `gave up waiting for 127.0.0.1:${port}: process exited`,
    );
  });
});
