import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedPort,
  echoHandler,
  rawRequest,
  startTestDataPlane,
  startUpstream,
  type TestDataPlane,
  type TestUpstream,
} from '../testing.case.js';

let t: TestDataPlane;
let echo: TestUpstream;
let echo2: TestUpstream;
let slow: TestUpstream;
let streaming: TestUpstream;
let releaseUpstream: (() => void) | undefined;
let upstreamGotFirstChunk: ((s: string) => void) | undefined;

beforeAll(async () => {
  t = await startTestDataPlane();
  echo = await startUpstream(echoHandler);
  echo2 = await startUpstream((req, res) => {
    res.setHeader('x-which', 'echo2');
    echoHandler(req, res);
  });
  slow = await startUpstream((_req, res) => {
    setTimeout(() => res.end('late'), 1500).unref();
  });
  streaming = await startUpstream((req, res) => {
    if (req.url === '/down') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        server: 'upstream/1',
      });
      res.write('chunk-1\n');
      releaseUpstream = () => res.end('chunk-2\n');
      return;
    }
    // /up: answer only after the first request-body chunk arrived, before the body ended.
    req.once('data', (c: Buffer) => {
      upstreamGotFirstChunk?.(c.toString());
      let rest = '';
      req.on('data', (d: Buffer) => (rest += d.toString()));
      req.on('end', () => res.end(`rest:${rest}`));
    });
  });
  const dead = await closedPort();
  await t.put('routes/echo', { uri: '/echo/*', upstream: { nodes: { [echo.addr]: 1 } } });
  await t.put('routes/node-host', {
    uri: '/node-host',
    upstream: { pass_host: 'node', nodes: [{ host: '127.0.0.1', port: echo.port, weight: 1 }] },
  });
  await t.put('routes/rewrite-host', {
    uri: '/rewrite-host',
    upstream: { pass_host: 'rewrite', upstream_host: 'api.example.com', nodes: { [echo.addr]: 1 } },
  });
  await t.put('upstreams/retry', { nodes: { [`127.0.0.1:${dead}`]: 100, [echo2.addr]: 1 }, retries: 1 });
  await t.put('routes/retry', { uri: '/retry', upstream_id: 'retry' });
  await t.put('routes/dead', { uri: '/dead', upstream: { nodes: { [`127.0.0.1:${dead}`]: 1 } } });
  await t.put('routes/slow', {
    uri: '/slow',
    upstream: { nodes: { [slow.addr]: 1 }, timeout: { connect: 1, send: 1, read: 0.2 } },
  });
  await t.put('routes/slow-route-timeout', {
    uri: '/slow2',
    timeout: { connect: 1, send: 1, read: 0.2 },
    upstream: { nodes: { [slow.addr]: 1 } },
  });
  await t.put('routes/weighted', { uri: '/weighted', upstream: { nodes: { [echo.addr]: 3, [echo2.addr]: 1 } } });
  await t.put('routes/chash', {
    uri: '/chash',
    upstream: { type: 'chash', hash_on: 'header', key: 'x-user', nodes: { [echo.addr]: 1, [echo2.addr]: 1 } },
  });
  await t.put('routes/empty', { uri: '/empty', upstream: { nodes: {} } });
  await t.put('routes/no-keepalive', {
    uri: '/no-keepalive',
    upstream: { keepalive_pool: { idle_timeout: 0 }, nodes: { [echo.addr]: 1 } },
  });
  await t.put('routes/stream', { uri: '/down', upstream: { nodes: { [streaming.addr]: 1 } } });
  await t.put('routes/stream-up', { uri: '/up', upstream: { nodes: { [streaming.addr]: 1 } } });
});

afterAll(async () => {
  await t.close();
  await Promise.all([echo.close(), echo2.close(), slow.close(), streaming.close()]);
});

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

describe('forwarding', () => {
  it('forwards method, path, query, body and the client Host (pass_host: pass)', async () => {
    const res = await rawRequest(
      `${t.url}/echo/a%20b?x=1&y=2`,
      { method: 'POST', headers: { host: 'client.example', 'x-custom': 'v', 'x-forwarded-for': '10.0.0.9' } },
      'hello',
    );
    expect(res.status).toBe(200);
    const e = JSON.parse(res.body) as Echo;
    expect(e.method).toBe('POST');
    expect(e.url).toBe('/echo/a%20b?x=1&y=2');
    expect(e.body).toBe('hello');
    expect(e.headers.host).toBe('client.example');
    expect(e.headers['x-custom']).toBe('v');
    expect(e.headers['x-real-ip']).toBe('127.0.0.1');
    expect(e.headers['x-forwarded-for']).toBe('10.0.0.9, 127.0.0.1');
    expect(e.headers['x-forwarded-proto']).toBe('http');
    expect(e.headers['x-forwarded-host']).toBe('client.example');
    expect(e.headers['x-forwarded-port']).toBe(String(t.dp.port));
    expect(res.headers.server).toBe('APISIX/3.16.0');
  });

  it('forwards the normalised path when the request path needed normalising', async () => {
    const e = (await (await fetch(`${t.url}/echo/x/../y//z`)).json()) as Echo;
    expect(e.url).toBe('/echo/y/z');
  });

  it('drops hop-by-hop request headers, including those named in Connection', async () => {
    const e = await new Promise<Echo>((resolve, reject) => {
      const req = request(
        `${t.url}/echo/hop`,
        { headers: { connection: 'keep-alive, x-secret-hop', 'x-secret-hop': '1', te: 'trailers', 'keep-alive': 'timeout=5' } },
        (res) => {
          let s = '';
          res.on('data', (c: Buffer) => (s += c.toString()));
          res.on('end', () => resolve(JSON.parse(s) as Echo));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(e.headers['x-secret-hop']).toBeUndefined();
    expect(e.headers.te).toBeUndefined();
    expect(e.headers['keep-alive']).toBeUndefined();
  });

  it('sends the node address as Host with pass_host: node', async () => {
    const e = (await (await fetch(`${t.url}/node-host`)).json()) as Echo;
    expect(e.headers.host).toBe(`127.0.0.1:${echo.port}`);
  });

  it('proxies with keepalive_pool.idle_timeout 0 (no keep-alive) twice in a row', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${t.url}/no-keepalive`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Echo).url).toBe('/no-keepalive');
    }
  });

  it('sends upstream_host as Host with pass_host: rewrite', async () => {
    const e = (await (await fetch(`${t.url}/rewrite-host`)).json()) as Echo;
    expect(e.headers.host).toBe('api.example.com');
  });
});

describe('balancing', () => {
  it('spreads requests by weight with roundrobin (3:1 over 8 requests)', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${t.url}/weighted`);
      seen.push(res.headers.get('x-which') ?? 'echo');
      await res.arrayBuffer();
    }
    expect(seen.filter((s) => s === 'echo')).toHaveLength(6);
    expect(seen.filter((s) => s === 'echo2')).toHaveLength(2);
  });

  it('sends the same chash key to the same node', async () => {
    const nodeFor = async (user: string): Promise<string> => {
      const res = await fetch(`${t.url}/chash`, { headers: { 'x-user': user } });
      await res.arrayBuffer();
      return res.headers.get('x-which') ?? 'echo';
    };
    // Node ports differ per run, so the ring differs: 40 keys make "all on one node" negligible.
    const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
    const first = await Promise.all(users.map(nodeFor));
    const again = await Promise.all(users.map(nodeFor));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(2);
  });
});

describe('failures', () => {
  it('retries a refused connection on the next node', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${t.url}/retry`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-which')).toBe('echo2');
      await res.arrayBuffer();
    }
  });

  it('answers 502 with the nginx page when the upstream refuses connections', async () => {
    const res = await fetch(`${t.url}/dead`);
    expect(res.status).toBe(502);
    expect(await res.text()).toBe(
      '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
        '<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n',
    );
  });

  it('answers 502 to a request with a streamed body when the only node refuses connections', async () => {
    const res = await rawRequest(`${t.url}/dead`, { method: 'POST', headers: { 'content-length': '5' } }, 'hello');
    expect(res.status).toBe(502);
    expect(res.body).toContain('<title>502 Bad Gateway</title>');
  });

  it('answers 504 when the upstream read timeout expires (upstream timeout)', async () => {
    const started = Date.now();
    const res = await fetch(`${t.url}/slow`);
    expect(res.status).toBe(504);
    expect(await res.text()).toContain('<title>504 Gateway Time-out</title>');
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('answers 504 when the route timeout overrides the upstream one', async () => {
    const res = await fetch(`${t.url}/slow2`);
    expect(res.status).toBe(504);
  });

  it('answers 503 when the upstream has no nodes', async () => {
    const res = await fetch(`${t.url}/empty`);
    expect(res.status).toBe(503);
  });
});

describe('streaming', () => {
  it('relays a response chunk before the upstream finished, without hop-by-hop headers', async () => {
    const got = await new Promise<{ first: string; headers: Record<string, unknown>; rest: Promise<string> }>(
      (resolve, reject) => {
        const req = request(`${t.url}/down`, (res) => {
          let restResolve!: (s: string) => void;
          const rest = new Promise<string>((r) => (restResolve = r));
          let acc = '';
          let first = true;
          res.on('data', (c: Buffer) => {
            if (first) {
              first = false;
              resolve({ first: c.toString(), headers: res.headers, rest });
            } else acc += c.toString();
          });
          res.on('end', () => restResolve(acc));
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(got.first).toBe('chunk-1\n');
    // The upstream's own Keep-Alive (timeout=5) is not relayed; Node may add its own.
    expect(got.headers['keep-alive']).not.toBe('timeout=5');
    expect(got.headers.server).toBe('APISIX/3.16.0');
    expect(got.headers['content-type']).toBe('text/event-stream');
    releaseUpstream!();
    expect(await got.rest).toBe('chunk-2\n');
  });

  it('streams the request body: the upstream sees the first chunk before the client finished', async () => {
    const firstSeen = new Promise<string>((r) => (upstreamGotFirstChunk = r));
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${t.url}/up`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c.toString()));
        res.on('end', () => resolve(s));
      });
      req.on('error', reject);
      req.write('part-1');
      void firstSeen.then((c) => {
        expect(c).toBe('part-1');
        req.end('part-2');
      });
    });
    expect(body).toBe('rest:part-2');
  });
});
