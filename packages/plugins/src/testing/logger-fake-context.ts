import type {
  AttachedPlugin,
  ConsumerInfo,
  Logger,
  PluginModule,
  PluginServices,
  PrepareEnv,
  RequestContext,
  VarStore,
} from '@portico/plugin-sdk';
import { upstreamIntoVars } from './upstream-vars.js';

/** A Logger that records every call, for asserting what was (and was not) logged. */
export interface RecordingLogger extends Logger {
  readonly lines: Array<{ level: string; obj: object | string; msg?: string | undefined }>;
  /** Everything logged, serialised, to search for leaked secrets. */
  text(): string;
}

/** Create a {@link RecordingLogger}. */
export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const rec = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, obj, msg });
  return {
    lines,
    debug: rec('debug'),
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    text: () => JSON.stringify(lines),
  };
}

/** Options for {@link loggerFakeContext}; everything has a plausible default. */
export interface FakeContextOptions {
  method?: string;
  uri?: string;
  rawQuery?: string;
  headers?: Record<string, string | string[]>;
  vars?: Record<string, string>;
  body?: string;
  routeId?: string;
  consumer?: string;
  status?: number;
  bytesSent?: number;
  /** Milliseconds since the request started. */
  elapsedMs?: number;
  logFields?: Record<string, unknown>;
  respHeaders?: Record<string, string>;
  /** Plugins in effect (name → conf); auth plugins get `type: 'auth'` when `authPlugins` lists them. */
  plugins?: Record<string, unknown>;
  authPlugins?: readonly string[];
  logger?: Logger;
  /** plugin_metadata by plugin name, served by `ctx.pluginMetadata` (frozen, as the data plane does). */
  pluginMetadata?: Record<string, Record<string, unknown>>;
}

/** A small in-memory RequestContext for logger unit tests. */
export function loggerFakeContext(opts: FakeContextOptions = {}): RequestContext {
  const vars = new Map<string, string>(Object.entries(opts.vars ?? {}));
  const headers: Record<string, string | string[] | undefined> = { ...(opts.headers ?? { host: 'gw.test' }) };
  const varStore: VarStore = {
    get(name) {
      if (vars.has(name)) return vars.get(name);
      if (name.startsWith('http_')) {
        const v = headers[name.slice(5).replace(/_/g, '-')];
        return Array.isArray(v) ? v.join(', ') : v;
      }
      if (name.startsWith('arg_')) {
        return new URLSearchParams(ctx.rawQuery).get(name.slice(4)) ?? undefined;
      }
      if (name === 'uri') return ctx.uri;
      if (name === 'args') return ctx.rawQuery;
      if (name === 'request_method') return ctx.method;
      return undefined;
    },
    set(name, value) {
      if (value === undefined) vars.delete(name);
      else vars.set(name, String(value));
    },
  };
  const plugins = new Map<string, AttachedPlugin>();
  for (const [name, conf] of Object.entries(opts.plugins ?? {})) {
    const module = {
      name,
      priority: 0,
      schema: {},
      ...(opts.authPlugins?.includes(name) ? { type: 'auth' as const } : {}),
    } as PluginModule;
    plugins.set(name, { module, conf, state: conf, resourceKey: `/apisix/routes/${opts.routeId ?? '1'}` });
  }
  const consumer: ConsumerInfo | undefined = opts.consumer
    ? { username: opts.consumer, plugins: {}, key: `/apisix/consumers/${opts.consumer}` }
    : undefined;
  const body = Buffer.from(opts.body ?? '');
  const metadata = new Map(Object.entries(opts.pluginMetadata ?? {}).map(([k, v]) => [k, Object.freeze({ ...v })]));
  const ctx: RequestContext = {
    method: opts.method ?? 'GET',
    uri: opts.uri ?? '/anything',
    rawQuery: opts.rawQuery ?? '',
    headers,
    remoteAddr: '127.0.0.1',
    remotePort: 50000,
    requestId: 'req-1',
    startNs: process.hrtime.bigint() - BigInt(Math.round((opts.elapsedMs ?? 0) * 1e6)),
    signal: new AbortController().signal,
    readBody: async () => body,
    setBody: () => undefined,
    vars: varStore,
    respHeaders: { ...(opts.respHeaders ?? {}) },
    logFields: { ...(opts.logFields ?? {}) },
    shared: new Map(),
    routeId: opts.routeId,
    routeKey: opts.routeId === undefined ? undefined : `/apisix/routes/${opts.routeId}`,
    consumers: { findByAuth: () => undefined, findCredential: () => undefined, byUsername: () => undefined },
    consumer,
    attachConsumer(c) {
      ctx.consumer = c;
    },
    plugins,
    pluginMetadata: (name) => metadata.get(name),
    logger: opts.logger ?? recordingLogger(),
    status: opts.status ?? 200,
    bytesSent: opts.bytesSent ?? 0,
    upstream: upstreamIntoVars((n, v) => varStore.set(n, v)),
  };
  return ctx;
}

/** A PrepareEnv for tests. */
export function loggerPrepareEnv(logger: Logger = recordingLogger(), prefixDir = process.cwd()): PrepareEnv {
  const services: PluginServices = { logger, prefixDir };
  return { resourceKey: '/apisix/routes/1', scope: 'route', services };
}
