import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ActiveHealthChecker } from './checker.js';
import { resolveActiveCheck, type ResolvedActiveCheck } from './schema.js';

function fast(overrides: Partial<ResolvedActiveCheck> = {}): ResolvedActiveCheck {
  const base = resolveActiveCheck({ http_path: '/status', req_headers: ['X-Probe: yes'] });
  return {
    ...base,
    timeoutMs: 200,
    healthy: { ...base.healthy, intervalMs: 30 },
    unhealthy: { ...base.unhealthy, intervalMs: 30, httpFailures: 2 },
    ...overrides,
  };
}

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

async function statusServer(): Promise<{ port: number; setStatus(s: number): void; seen: IncomingMessage[] }> {
  let status = 200;
  const seen: IncomingMessage[] = [];
  const srv = createServer((req, res) => {
    seen.push(req);
    res.statusCode = status;
    res.end('ok');
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, setStatus: (s) => (status = s), seen };
}

const waitFor = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('ActiveHealthChecker counting rules (table-driven)', () => {
  const conf = resolveActiveCheck({});
  const table: { name: string; outcomes: Parameters<ActiveHealthChecker['record']>[0][]; healthy: boolean }[] = [
    { name: 'starts healthy', outcomes: [], healthy: true },
    { name: 'stays healthy after 4 http failures (threshold 5)', outcomes: Array(4).fill('http_failure'), healthy: true },
    { name: 'turns unhealthy after 5 http failures', outcomes: Array(5).fill('http_failure'), healthy: false },
    { name: 'turns unhealthy after 2 tcp failures', outcomes: ['tcp_failure', 'tcp_failure'], healthy: false },
    { name: 'turns unhealthy after 3 timeouts', outcomes: ['timeout', 'timeout', 'timeout'], healthy: false },
    { name: 'a success resets the failure counters', outcomes: ['tcp_failure', 'success', 'tcp_failure'], healthy: true },
    { name: 'needs 2 successes to become healthy again', outcomes: ['tcp_failure', 'tcp_failure', 'success'], healthy: false },
    { name: 'recovers after 2 successes', outcomes: ['tcp_failure', 'tcp_failure', 'success', 'success'], healthy: true },
    {
      name: 'ignores statuses in neither list',
      outcomes: ['tcp_failure', 'tcp_failure', 'ignored', 'success', 'ignored', 'success'],
      healthy: true,
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      const c = new ActiveHealthChecker({ host: '127.0.0.1', port: 1 }, conf);
      for (const o of t.outcomes) c.record(o);
      expect(c.healthy).toBe(t.healthy);
    });
  }

  it('fills APISIX defaults for an empty checks.active', () => {
    expect(conf).toMatchObject({ type: 'http', timeoutMs: 1000, httpPath: '/', verifyCertificate: true });
    expect([...conf.unhealthy.statuses]).toEqual([429, 404, 500, 501, 502, 503, 504, 505]);
    expect([...conf.healthy.statuses]).toEqual([200, 302]);
  });
});

describe('ActiveHealthChecker against a real server', () => {
  it('marks the target unhealthy on 500s and healthy again on 200s, probing GET http_path with req_headers and auth', async () => {
    const up = await statusServer();
    const changes: boolean[] = [];
    const c = new ActiveHealthChecker({ host: '127.0.0.1', port: up.port }, fast(), {
      headers: { authorization: 'Bearer sk-1' },
      query: 'api_key=k1',
      onChange: (h) => changes.push(h),
    });
    c.start();
    try {
      await waitFor(() => up.seen.length >= 1);
      expect(up.seen[0]!.method).toBe('GET');
      expect(up.seen[0]!.url).toBe('/status?api_key=k1');
      expect(up.seen[0]!.headers['x-probe']).toBe('yes');
      expect(up.seen[0]!.headers.authorization).toBe('Bearer sk-1');
      up.setStatus(500);
      await waitFor(() => !c.healthy);
      up.setStatus(200);
      await waitFor(() => c.healthy);
      expect(changes).toEqual([false, true]);
      expect(c.statusVersion).toBe(2);
    } finally {
      c.stop();
    }
  });

  it('marks an unreachable target unhealthy (tcp failures)', async () => {
    const up = await statusServer();
    const port = up.port;
    await new Promise((r) => servers.pop()!.close(r));
    const c = new ActiveHealthChecker({ host: '127.0.0.1', port }, fast());
    c.start();
    try {
      await waitFor(() => !c.healthy);
    } finally {
      c.stop();
    }
  });

  it('counts a probe that gets no answer within timeout as a timeout', async () => {
    const accepted: import('node:net').Socket[] = [];
    const hang = createTcpServer((s) => void accepted.push(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as { port: number }).port;
    const c = new ActiveHealthChecker({ host: '127.0.0.1', port }, fast({ timeoutMs: 50 }));
    c.start();
    try {
      await waitFor(() => !c.healthy);
    } finally {
      c.stop();
      for (const s of accepted) s.destroy();
      await new Promise((r) => hang.close(r));
    }
  });

  it('supports tcp checks', async () => {
    const up = await statusServer();
    const c = new ActiveHealthChecker({ host: '127.0.0.1', port: up.port }, fast({ type: 'tcp' }));
    c.start();
    try {
      await new Promise((r) => setTimeout(r, 120));
      expect(c.healthy).toBe(true);
      expect(up.seen.length).toBe(0);
    } finally {
      c.stop();
    }
  });

  it('leaves no timer or socket behind after stop()', async () => {
    const up = await statusServer();
    const count = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap').length;
    const before = count();
    const checkers = Array.from({ length: 5 }, () => new ActiveHealthChecker({ host: '127.0.0.1', port: up.port }, fast()));
    for (const c of checkers) c.start();
    await waitFor(() => up.seen.length >= 5);
    expect(count()).toBeGreaterThan(before);
    for (const c of checkers) c.stop();
    // A probe already on the wire at stop() may still land; after that, none may follow.
    await new Promise((r) => setTimeout(r, 50));
    const probes = up.seen.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(up.seen.length).toBe(probes);
    // Server-side sockets close once the checker's side is gone; waitFor's own timer is excluded.
    await waitFor(() => count() <= before + 1, 2000);
    await new Promise((r) => setTimeout(r, 20));
    expect(count()).toBeLessThanOrEqual(before);
  });
});
