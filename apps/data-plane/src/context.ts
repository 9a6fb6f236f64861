import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  AttachedPlugin,
  ConsumerDirectory,
  ConsumerInfo,
  Logger,
  PreparedUpstream,
  RequestContext,
  UpstreamTarget,
} from '@portico/plugin-sdk';
import type { Chain } from './chain/chain.js';
import { normalizeRemoteAddr } from './router/ip.js';
import { matchedHostOf, matchedUriOf } from './router/matched.js';
import type { RouteSpec } from './router/router.js';
import { normalizePath, splitTarget } from './uri.js';
import { UpstreamFacts } from './upstream-facts.js';
import { Vars } from './vars.js';

const EMPTY_PLUGINS: ReadonlyMap<string, AttachedPlugin> = new Map();
const EMPTY_METADATA: ReadonlyMap<string, Readonly<Record<string, unknown>>> = new Map();
const EMPTY_UPSTREAMS: ReadonlyMap<string, PreparedUpstream> = new Map();
const NOOP = (): void => undefined;

/** nginx prints a set IPv6 address in its canonical form (ngx_inet6_ntop): lower case, `::` compressed. */
function canonicalIpv6(ip: string): string {
  // An embedded IPv4 tail (::ffff:1.2.3.4) stays dotted, as nginx prints it.
  if (ip.includes('.')) return ip.toLowerCase();
  try {
    const h = new URL(`http://[${ip}]/`).hostname;
    return h.slice(1, -1);
  } catch {
    return ip;
  }
}

/**
 * The per-request context handed to plugins (APISIX `api_ctx`). Everything not needed by
 * every request (request id, abort signal, maps, vars) is created on first use.
 */
export class RequestCtx implements RequestContext {
  readonly method: string;
  readonly uri: string;
  /** Path as received (before normalisation), forwarded upstream when unchanged. */
  readonly rawPath: string;
  rawQuery: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** $remote_addr / $remote_port: the connection's until `setRealIp` replaces them. */
  remoteAddr: string;
  remotePort: number;
  /** $realip_remote_addr / $realip_remote_port: always the connection's. */
  readonly connRemoteAddr: string;
  readonly connRemotePort: number;
  readonly startNs: bigint;
  readonly vars: Vars;
  readonly upstream = new UpstreamFacts();

  routeId: string | undefined;
  routeKey: string | undefined;
  routeName: string | undefined;
  /** Match conditions of the matched route (matchedUri / matchedHost). */
  routeSpec: RouteSpec<string> | undefined;
  serviceId: string | undefined;
  serviceName: string | undefined;
  consumer: ConsumerInfo | undefined;
  plugins: ReadonlyMap<string, AttachedPlugin> = EMPTY_PLUGINS;
  status = 0;
  bytesSent = 0;
  /** Set when the pipeline must merge consumer plugins after rewrite. */
  consumerAttached = false;
  /** Method for the upstream request set by a plugin (proxy-rewrite `method`). */
  upstreamMethod: string | undefined;
  /** A replacement request body set by a plugin. */
  bodyOverride: Buffer | undefined;
  /** The route's plugin chain in effect (after consumer merge); header filter and log use it. */
  chain: Chain | undefined;
  /** Global rule chains of the snapshot serving this request. */
  globals: readonly Chain[] = [];
  /** plugin_metadata of the snapshot serving this request, by plugin name (frozen values). */
  metadata: ReadonlyMap<string, Readonly<Record<string, unknown>>> = EMPTY_METADATA;
  /** Upstream objects of the snapshot serving this request, by id (traffic-split `upstream_id`). */
  upstreamsById: ReadonlyMap<string, PreparedUpstream> = EMPTY_UPSTREAMS;
  /**
   * The upstream a plugin chose (selectUpstream): a prepared upstream (the pipeline checks it is
   * one of the proxy's runtimes), `null` for an upstream id the snapshot lacks (APISIX answers
   * 502), undefined for the route's own.
   */
  upstreamChoice: PreparedUpstream | null | undefined;
  /** Called when the client goes away (the proxy aborts the upstream call). */
  onClientAbort: (() => void) | undefined;

  private _requestId: string | undefined;
  private _abort: AbortController | undefined;
  private _respHeaders: Record<string, string> | undefined;
  private _logFields: Record<string, unknown> | undefined;
  private _shared: Map<string, unknown> | undefined;
  private _body: Promise<Buffer> | undefined;
  private _host: string | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly consumers: ConsumerDirectory,
    readonly logger: Logger,
  ) {
    this.startNs = process.hrtime.bigint();
    this.method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url ?? '/');
    this.rawPath = path;
    this.rawQuery = query;
    this.uri = normalizePath(path);
    this.headers = req.headers;
    this.remoteAddr = this.connRemoteAddr = normalizeRemoteAddr(req.socket.remoteAddress ?? '');
    this.remotePort = this.connRemotePort = req.socket.remotePort ?? 0;
    this.vars = new Vars(this);
  }

  /** $host: Host header lower-cased without port (nginx), else the listener address. */
  get host(): string {
    if (this._host === undefined) {
      const h = this.req.headers.host;
      if (!h) this._host = this.req.socket.localAddress ?? '';
      else {
        const lower = h.toLowerCase();
        const end = lower.startsWith('[') ? lower.indexOf(']') + 1 : lower.indexOf(':');
        this._host = end > 0 ? lower.slice(0, end) : lower;
      }
    }
    return this._host;
  }

  /** $http_host lower-cased: what hosts written with a port are compared with. */
  get httpHost(): string {
    return (this.req.headers.host ?? '').toLowerCase();
  }

  get requestId(): string {
    // nginx $request_id: 16 random bytes in hex.
    if (this._requestId === undefined) this._requestId = randomBytes(16).toString('hex');
    return this._requestId;
  }

  get signal(): AbortSignal {
    if (this._abort === undefined) {
      this._abort = new AbortController();
      if (this.clientGone) this._abort.abort();
    }
    return this._abort.signal;
  }

  /** RequestContext.matchedUri: the route's uri pattern this request matched ("" without a route). */
  get matchedUri(): string {
    return this.routeSpec === undefined ? '' : matchedUriOf(this.routeSpec, this.uri);
  }

  /** RequestContext.matchedHost: the route's host pattern this request matched ("" when none). */
  get matchedHost(): string {
    return this.routeSpec === undefined ? '' : matchedHostOf(this.routeSpec, this.host);
  }

  /** RequestContext.pluginMetadata: a map lookup in the snapshot's validated metadata. */
  pluginMetadata(name: string): Readonly<Record<string, unknown>> | undefined {
    return this.metadata.get(name);
  }

  /** True once the client connection closed before the response finished. */
  clientGone = false;

  private _goneCbs: (() => void)[] | undefined;

  /** Called by the server when the response closes. */
  onClose(): void {
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this._abort?.abort();
      this.onClientAbort?.();
      const cbs = this._goneCbs;
      this._goneCbs = undefined;
      if (cbs !== undefined) for (const cb of cbs) cb();
    }
  }

  /** RequestContext.onClientGone: a callback list instead of an AbortController per request. */
  onClientGone(cb: () => void): () => void {
    if (this.clientGone) {
      cb();
      return NOOP;
    }
    (this._goneCbs ??= []).push(cb);
    return () => {
      const cbs = this._goneCbs;
      if (cbs === undefined) return;
      const i = cbs.indexOf(cb);
      if (i >= 0) cbs.splice(i, 1);
    };
  }

  get respHeaders(): Record<string, string> {
    if (this._respHeaders === undefined) this._respHeaders = {};
    return this._respHeaders;
  }
  /** respHeaders without forcing allocation. */
  get respHeadersIfAny(): Record<string, string> | undefined {
    return this._respHeaders;
  }

  get logFields(): Record<string, unknown> {
    if (this._logFields === undefined) this._logFields = {};
    return this._logFields;
  }

  get shared(): Map<string, unknown> {
    if (this._shared === undefined) this._shared = new Map();
    return this._shared;
  }

  readBody(): Promise<Buffer> {
    if (this.bodyOverride !== undefined) return Promise.resolve(this.bodyOverride);
    if (this._body === undefined) {
      this._body = new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        this.req.on('data', (c: Buffer) => chunks.push(c));
        this.req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
        this.req.on('error', reject);
      });
    }
    return this._body;
  }

  /** Whether the request body was (or is being) read by a plugin. */
  get bodyRead(): boolean {
    return this._body !== undefined;
  }

  setBody(body: Buffer | string): void {
    this.bodyOverride = typeof body === 'string' ? Buffer.from(body) : body;
  }

  /** RequestContext.headerLines: a scan of the raw header list (no per-request map). */
  headerLines(name: string): readonly string[] {
    const raw = this.req.rawHeaders;
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!;
      if (k.length === name.length && k.toLowerCase() === name) out.push(raw[i + 1]!);
    }
    return out;
  }

  /** RequestContext.setRealIp (apisix-nginx-module set_real_ip: port 0/undefined keeps the connection's). */
  setRealIp(ip: string, port?: number): void {
    this.remoteAddr = ip.includes(':') ? canonicalIpv6(ip) : ip;
    if (port !== undefined && port > 0) this.remotePort = port;
  }

  /** RequestContext.selectUpstream. */
  selectUpstream(target: UpstreamTarget): void {
    if (target.kind === 'route') this.upstreamChoice = undefined;
    else if (target.kind === 'id') this.upstreamChoice = this.upstreamsById.get(target.id) ?? null;
    else this.upstreamChoice = target.upstream;
  }

  /** RequestContext.hasUpstream. */
  hasUpstream(id: string): boolean {
    return this.upstreamsById.has(id);
  }

  /** apisix/consumer.lua attach_consumer: ctx.consumer + X-Consumer-* upstream headers. */
  attachConsumer(consumer: ConsumerInfo): void {
    this.consumer = consumer;
    this.consumerAttached = true;
    const h = this.headers;
    h['x-consumer-username'] = consumer.username;
    if (consumer.credentialId !== undefined) h['x-credential-identifier'] = consumer.credentialId;
    else delete h['x-credential-identifier'];
    const customId = consumer.labels?.custom_id;
    if (customId !== undefined) h['x-consumer-custom-id'] = customId;
    else delete h['x-consumer-custom-id'];
  }
}
