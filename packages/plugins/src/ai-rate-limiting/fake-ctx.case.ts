// Test-only RequestContext stand-in for the AI plugins' unit tests (excluded from the build).
import type { AttachedPlugin, Logger, PluginModule, RequestContext } from '@portico/plugin-sdk';
import { upstreamIntoVars } from '../testing/upstream-vars.js';

export interface FakeCtx extends RequestContext {
  logs: { level: string; msg: string }[];
  varMap: Map<string, string>;
  body: Buffer;
}

export function fakeCtx(
  init: {
    headers?: Record<string, string>;
    vars?: Record<string, string>;
    body?: unknown;
    plugins?: [PluginModule, unknown, unknown][];
    remoteAddr?: string;
    consumer?: string;
  } = {},
): FakeCtx {
  const logs: { level: string; msg: string }[] = [];
  const log = (level: string) => (o: object | string, m?: string) =>
    logs.push({ level, msg: typeof o === 'string' ? o : `${m ?? ''} ${JSON.stringify(o)}` });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const varMap = new Map(Object.entries(init.vars ?? {}));
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.headers ?? {}) };
  const plugins = new Map<string, AttachedPlugin>();
  for (const [module, conf, state] of init.plugins ?? []) {
    plugins.set(module.name, { module, conf, state, resourceKey: '/apisix/routes/1' });
  }
  let body = Buffer.from(init.body === undefined ? '' : typeof init.body === 'string' ? init.body : JSON.stringify(init.body));
  const ctx: FakeCtx = {
    method: 'POST',
    uri: '/chat',
    rawQuery: '',
    headers,
    remoteAddr: init.remoteAddr ?? '127.0.0.1',
    remotePort: 40000,
    requestId: 'req-1',
    startNs: process.hrtime.bigint(),
    signal: new AbortController().signal,
    readBody: async () => body,
    setBody: (b) => {
      body = Buffer.from(b);
    },
    vars: {
      get: (n) => {
        if (varMap.has(n)) return varMap.get(n);
        if (n === 'remote_addr') return ctx.remoteAddr;
        if (n.startsWith('http_')) return headers[n.slice(5).replaceAll('_', '-')];
        return undefined;
      },
      set: (n, v) => {
        if (v === undefined) varMap.delete(n);
        else varMap.set(n, String(v));
      },
    },
    respHeaders: {},
    logFields: {},
    shared: new Map(),
    routeId: '1',
    routeKey: '/apisix/routes/1',
    consumers: { findByAuth: () => undefined, findCredential: () => undefined, byUsername: () => undefined },
    consumer: init.consumer ? { username: init.consumer, plugins: {}, key: `/apisix/consumers/${init.consumer}` } : undefined,
    attachConsumer: () => undefined,
    plugins,
    logger,
    status: 0,
    bytesSent: 0,
    upstream: upstreamIntoVars((n, v) => varMap.set(n, String(v))),
    logs,
    varMap,
    get body() {
      return body;
    },
  };
  return ctx;
}
