import type { AttachedPlugin, ConsumerInfo, Logger, Reply, RequestContext, VarStore } from '@portico/plugin-sdk';
import { upstreamIntoVars } from './upstream-vars.js';

/** Log lines captured by a fake context, to assert that secrets never appear. */
export interface CapturedLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object | string;
  msg?: string;
}

export interface FakeContextInit {
  method?: string;
  uri?: string;
  rawQuery?: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

export interface FakeContext extends RequestContext {
  /** Plugin-set variables, as stored. */
  readonly varValues: Map<string, string | number | undefined>;
  readonly logs: CapturedLog[];
}

/** A minimal RequestContext for plugin unit tests (no pipeline, no sockets). */
export function fakeContext(init: FakeContextInit = {}): FakeContext {
  const varValues = new Map<string, string | number | undefined>();
  const vars: VarStore = {
    get: (n) => {
      const v = varValues.get(n);
      return v === undefined ? undefined : String(v);
    },
    set: (n, v) => {
      varValues.set(n, v);
    },
  };
  const logs: CapturedLog[] = [];
  const mk =
    (level: CapturedLog['level']) =>
    (obj: object | string, msg?: string): void => {
      logs.push(msg === undefined ? { level, obj } : { level, obj, msg });
    };
  const logger: Logger = { debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error') };
  let body = Buffer.from(init.body ?? '');
  return {
    method: init.method ?? 'POST',
    uri: init.uri ?? '/anything',
    rawQuery: init.rawQuery ?? '',
    headers: { ...(init.headers ?? {}) },
    remoteAddr: '127.0.0.1',
    remotePort: 40000,
    requestId: 'req-1',
    startNs: process.hrtime.bigint(),
    signal: init.signal ?? new AbortController().signal,
    readBody: async () => body,
    setBody: (b) => {
      body = Buffer.from(b);
    },
    vars,
    varValues,
    respHeaders: {},
    logFields: {},
    shared: new Map(),
    routeId: '1',
    routeKey: '/apisix/routes/1',
    consumers: { findByAuth: () => undefined, findCredential: () => undefined, byUsername: () => undefined },
    consumer: undefined as ConsumerInfo | undefined,
    attachConsumer(c: ConsumerInfo) {
      this.consumer = c;
    },
    plugins: new Map<string, AttachedPlugin>(),
    logger,
    logs,
    status: 0,
    bytesSent: 0,
    upstream: upstreamIntoVars((n, v) => varValues.set(n, v)),
  };
}

/** Collect a Reply body into a Buffer (objects JSON + "\n", as the pipeline writes them). */
export async function replyBody(reply: Reply): Promise<Buffer> {
  const b = reply.body;
  if (b === undefined) return Buffer.alloc(0);
  if (typeof b === 'string') return Buffer.from(b);
  if (b instanceof Uint8Array) return Buffer.from(b);
  if (typeof b === 'object' && b !== null && Symbol.asyncIterator in b) {
    const parts: Buffer[] = [];
    for await (const c of b as AsyncIterable<Uint8Array>) parts.push(Buffer.from(c));
    return Buffer.concat(parts);
  }
  return Buffer.from(`${JSON.stringify(b)}\n`);
}
