import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, startUpstream, type Upstream } from '../helpers.js';

let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  echo = await startEchoUpstream('echo');
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

/** A one-shot signal a test can await and fire. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timed out: ${what}`)), ms))]);
}

describe('a route with an inline upstream', () => {
  it('proxies method, path, query, body and the client Host (pass_host: pass)', async () => {
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/echo', {
      uri: '/echo',
      methods: ['POST'],
      upstream: { type: 'roundrobin', nodes: [{ host: '127.0.0.1', port: echo.port, weight: 1 }] },
    });
    expect(put.status).toBe(201);
    const dp = apps.dataPlanes[0]!;
    const res = await eventually(async () => {
      const r = await fetch(`${dp.url}/echo?a=1&b=two`, { method: 'POST', body: 'hello upstream' });
      expect(r.status).toBe(200);
      return r;
    });
    expect(res.headers.get('x-upstream')).toBe('echo');
    const seen = (await res.json()) as { method: string; url: string; body: string; headers: Record<string, string> };
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/echo?a=1&b=two');
    expect(seen.body).toBe('hello upstream');
    expect(seen.headers.host).toBe(`127.0.0.1:${dp.port}`);
  });

  it('streams the request body to the upstream and the response body back without buffering', async () => {
    const gotFirstRequestChunk = deferred();
    const clientGotFirstResponseChunk = deferred();
    const upstream = await startUpstream((req, res) => {
      if (req.method !== 'POST') {
        res.end('ready');
        return;
      }
      let received = '';
      req.on('data', (c: Buffer) => {
        received += c.toString();
        if (received.includes('part-1')) gotFirstRequestChunk.resolve();
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(`got:${received};`);
        // The second response chunk is only sent after the client has seen the first one.
        void clientGotFirstResponseChunk.promise.then(() => res.end('chunk-2'));
      });
    });
    try {
      const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/stream', {
        uri: '/stream',
        upstream: { type: 'roundrobin', nodes: { [upstream.node]: 1 } },
      });
      expect(put.status).toBe(201);
      const dp = apps.dataPlanes[0]!;
      await eventually(async () => expect((await fetch(`${dp.url}/stream`)).status).toBe(200));

      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: dp.port, path: '/stream', method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => {
              text += c.toString();
              if (text.startsWith('got:part-1part-2;')) clientGotFirstResponseChunk.resolve();
            });
            res.on('end', () => resolve(text));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.write('part-1');
        // Only send the rest once the upstream has received the first part: a buffering proxy
        // would wait for the whole request body and this would time out.
        withTimeout(gotFirstRequestChunk.promise, 5000, 'upstream never saw the first request chunk')
          .then(() => req.end('part-2'))
          .catch(reject);
        // Fails the test when the response is buffered until the upstream ends it.
        withTimeout(clientGotFirstResponseChunk.promise, 10_000, 'client never saw the first response chunk').catch(reject);
      });
      expect(body).toBe('got:part-1part-2;chunk-2');
    } finally {
      await upstream.close();
    }
  });

  it('answers 404 Route Not Found for a path no route matches', async () => {
    const res = await fetch(`${apps.dataPlanes[0]!.url}/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"error_msg":"404 Route Not Found"}\n');
  });
});
