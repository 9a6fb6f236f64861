/** Test helpers: a data plane on a MemoryConfigStore, real upstream servers, HTTP calls. */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PorticoConf } from '@portico/conf';
import { MemoryConfigStore } from '@portico/config-store';
import type { Logger, PluginModule } from '@portico/plugin-sdk';
import { silentLogger } from './logging/logger.js';
import { startDataPlane, type DataPlane } from './server/server.js';

/** A complete PorticoConf with APISIX defaults. */
export function testConf(patch: { accessLog?: string | false; accessLogFormat?: string } = {}): PorticoConf {
  return {
    path: '/tmp/portico-test/conf/config.yaml',
    apisix: {
      nodeListen: [{ ip: '127.0.0.1', port: 0 }],
      enableServerTokens: true,
      proxyMode: 'http',
      dataEncryption: { enableEncryptFields: true, keyring: ['qeddd145sfvddff3', 'edd1c9f0985e76a2'] },
      ssl: { listen: [], protocols: ['TLSv1.2', 'TLSv1.3'] },
    },
    deployment: {
      role: 'traditional',
      configProvider: 'etcd',
      standaloneFile: '/tmp/portico-test/conf/apisix.yaml',
      admin: {
        adminKeyRequired: true,
        adminKey: [],
        adminListen: { ip: '127.0.0.1', port: 9180 },
        allowAdmin: undefined,
        enableAdminCors: true,
        adminApiVersion: 'v3',
      },
      etcd: { host: [], prefix: '/apisix', timeout: 30, resyncDelay: 0.05 },
    },
    nginxConfig: {
      workerProcesses: 1,
      http: {
        accessLogFormat: patch.accessLogFormat ?? '',
        accessLogFormatEscape: 'default',
        accessLog: patch.accessLog ?? false,
      },
    },
    pluginAttr: {},
    raw: {},
  };
}

export interface TestDataPlane {
  dp: DataPlane;
  store: MemoryConfigStore;
  url: string;
  /** Write a JSON value under /apisix/<path> and wait until the data plane applied it. */
  put(path: string, value: unknown): Promise<void>;
  del(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Wait until the data plane applied `revision`. */
export async function waitRevision(dp: DataPlane, revision: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (dp.revision() < revision) {
    if (Date.now() > deadline) throw new Error(`data plane stuck at revision ${dp.revision()} < ${revision}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function startTestDataPlane(
  opts: { plugins?: readonly PluginModule[]; conf?: PorticoConf; logger?: Logger } = {},
): Promise<TestDataPlane> {
  const store = new MemoryConfigStore();
  const dp = await startDataPlane(opts.conf ?? testConf(), {
    store,
    plugins: opts.plugins ?? [],
    listen: { port: 0, host: '127.0.0.1' },
    logger: opts.logger ?? silentLogger,
  });
  await dp.ready;
  return {
    dp,
    store,
    url: `http://127.0.0.1:${dp.port}`,
    async put(path, value) {
      const r = await store.put(`/apisix/${path}`, typeof value === 'string' ? value : JSON.stringify(value));
      await waitRevision(dp, r.revision);
    },
    async del(path) {
      const r = await store.delete(`/apisix/${path}`);
      await waitRevision(dp, r.revision);
    },
    async close() {
      await dp.close();
      await store.close();
    },
  };
}

export interface TestUpstream {
  server: Server;
  port: number;
  addr: string;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0. */
export async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestUpstream> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    addr: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An upstream echoing method, url and headers as JSON. */
export function echoHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
  });
}

/** A port with nothing listening. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** An HTTP call through node:http (lets tests set Host and hop-by-hop headers fetch forbids). */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string | string[]> } = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: s }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
