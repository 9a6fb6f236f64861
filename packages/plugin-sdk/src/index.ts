/**
 * The plugin contract shared by the admin (schemas, checks) and the data plane (hooks).
 *
 * Mirrors APISIX's plugin module shape (apisix/plugin.lua): name, priority, schema,
 * consumer_schema, metadata_schema, type = "auth", check_schema, and phase functions.
 * Contract types only: no runtime code, no dependencies. Runtime helpers shared by plugins
 * and the apps (definePlugin, isPushBody, HOP_BY_HOP_HEADERS, ...) are in @portico/plugin-helpers.
 */

export type JsonSchema = Record<string, unknown>;
export type MaybePromise<T> = T | Promise<T>;

/** Which schema a configuration is checked against (APISIX `schema_type`). */
export type SchemaType = 'route' | 'consumer' | 'metadata';

/**
 * A reply that ends the request, like APISIX `core.response.exit(code, body)`.
 * body: a plain object/array is JSON-encoded followed by "\n"; a string or Uint8Array is
 * written raw; an AsyncIterable<Uint8Array> or a PushBody is streamed chunk by chunk (each
 * chunk flushed as soon as it is produced); undefined writes an empty body.
 */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string | readonly string[]>;
}

export type HookResult = Reply | undefined | void;

/** Where a PushBody writes: the client response. */
export interface BodySink {
  /** Write a chunk now; false when the client's buffer is full (wait for `onDrain`). */
  write(chunk: Uint8Array): boolean;
  /** Call `cb` once when the client can take more data (or went away). */
  onDrain(cb: () => void): void;
  /** Finish the response. */
  end(): void;
  /** Abort the client connection (the producer failed after the head was sent). */
  destroy(err: Error): void;
}

/**
 * A streamed Reply body driven by its producer (no promise per chunk, unlike an
 * AsyncIterable): the data plane calls `pushTo` once, after writing the head, and the
 * producer calls the sink as data arrives. A producer that also implements AsyncIterable
 * may be consumed either way. Stopping on client disconnect is the producer's job
 * (`RequestContext.onClientGone` or `signal`).
 */
export interface PushBody {
  pushTo(sink: BodySink): void;
}

/** The part of a plugin the Admin API needs: no runtime, no I/O. */
export interface PluginDefinition<Conf = any> {
  name: string;
  /** APISIX priority: higher runs first within a phase. */
  priority: number;
  version?: number;
  type?: 'auth';
  schema: JsonSchema;
  consumerSchema?: JsonSchema;
  metadataSchema?: JsonSchema;
  /** Fields stored encrypted in etcd (APISIX `encrypt_fields`), dotted paths. */
  encryptFields?: readonly string[];
  /**
   * Checks that JSON Schema cannot express, run after the schema passed (APISIX
   * `check_schema` tail). Returns APISIX's error string, or undefined when valid.
   */
  check?(conf: Conf, schemaType: SchemaType): string | undefined;
  /**
   * Reword a JSON-schema error the way the plugin's `check_schema` does before returning it
   * (e.g. limit-count's oneOf conflict message). Returns the error to report.
   */
  schemaError?(conf: unknown, err: string, schemaType: SchemaType): string;
}

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Process-wide services handed to plugins when they are prepared. */
export interface PluginServices {
  logger: Logger;
  /** Node's working directory-relative base for files (file-logger paths etc.). */
  prefixDir: string;
  /**
   * Builds upstreams the core proxy can use for a request (traffic-split's inline upstreams):
   * the data plane's pools, pickers and retries. Optional: absent outside the data plane.
   */
  upstreams?: UpstreamFactory;
}

/**
 * An upstream the data plane prepared for a plugin (opaque: plugins only pass it back to
 * `RequestContext.selectUpstream` and close it in `destroy`).
 */
export interface PreparedUpstream {
  /** Release its connection pools (call from the plugin's `destroy`). */
  close(): void;
}

/** Prepares upstream definitions once per config revision (in `prepare`, never per request). */
export interface UpstreamFactory {
  /**
   * An upstream from an APISIX upstream object (nodes, type, scheme, pass_host, timeout, ...),
   * already validated by the plugin schema. Throws an Error when it cannot be served.
   */
  create(conf: Readonly<Record<string, unknown>>): PreparedUpstream;
}

/** Which upstream the core proxy sends the request to (APISIX `ctx.upstream_id` / `upstream.set`). */
export type UpstreamTarget =
  /** The route's own upstream (the default). */
  | { readonly kind: 'route' }
  /** The upstream object `/apisix/upstreams/<id>` of the configuration being served. */
  | { readonly kind: 'id'; readonly id: string }
  /** An upstream the plugin prepared with `PluginServices.upstreams`. */
  | { readonly kind: 'prepared'; readonly upstream: PreparedUpstream };

/** Given once per (config revision × plugin instance) to `prepare`. */
export interface PrepareEnv {
  /** etcd key of the resource holding this conf, e.g. "/apisix/routes/1" or "/apisix/consumers/jack". */
  resourceKey: string;
  /** Where the conf came from. */
  scope: 'route' | 'service' | 'consumer' | 'consumer_group' | 'plugin_config' | 'global_rule';
  services: PluginServices;
}

/** A consumer as the data plane knows it (APISIX ctx.consumer). */
export interface ConsumerInfo {
  username: string;
  /** Credential id when authenticated through `consumers/<u>/credentials/<id>`. */
  credentialId?: string;
  groupId?: string;
  labels?: Record<string, string>;
  /** Consumer-level plugin confs (auth plugins included). */
  plugins: Record<string, unknown>;
  /** etcd key of the consumer, used as the resource key of its plugins. */
  key: string;
}

/** A consumer found by an auth attribute, with the auth conf (of the consumer or of its credential) that matched. */
export interface AuthMatch {
  consumer: ConsumerInfo;
  /** The matching `plugins[<plugin>]` conf: validated, defaults applied, encrypted fields decrypted. Same object for the whole config revision. */
  conf: Readonly<Record<string, unknown>>;
}

/** Consumer lookups a data-plane snapshot offers to auth plugins. Built once per revision. */
export interface ConsumerDirectory {
  /** Find the consumer whose auth plugin `plugin` has `attr` equal to `value` (e.g. key-auth key). */
  findByAuth(plugin: string, attr: string, value: string): ConsumerInfo | undefined;
  /**
   * Like findByAuth, also returning the matched auth conf (basic-auth password, jwt-auth secret,
   * hmac-auth secret_key), which for a credential is the credential's own conf.
   */
  findCredential(plugin: string, attr: string, value: string): AuthMatch | undefined;
  byUsername(username: string): ConsumerInfo | undefined;
}

/** A running plugin attached to the current request: its module and prepared state. */
export interface AttachedPlugin {
  module: PluginModule;
  conf: unknown;
  state: unknown;
  resourceKey: string;
}

/** Per-request state visible to plugins. One object per request, never shared. */
export interface RequestContext {
  readonly method: string;
  /** Decoded, normalised path without the query string (nginx $uri). */
  readonly uri: string;
  /** Raw query string without '?' (nginx $args); writable so auth plugins can strip credentials. */
  rawQuery: string;
  /** Request headers, lower-case names; mutations are what the upstream receives. */
  readonly headers: Record<string, string | string[] | undefined>;
  /**
   * Every value of request header `name` (lower case) as the client sent it, one per header
   * line, before any plugin change (`headers` folds repeated lines: Node joins most with ", "
   * and keeps only the first User-Agent). Optional: contexts outside the data plane may omit it.
   */
  headerLines?(name: string): readonly string[];
  /** Client address ($remote_addr); `setRealIp` changes it for later phases. */
  readonly remoteAddr: string;
  readonly remotePort: number;
  /**
   * Replace the client address seen by later phases, the proxy and the log ($remote_addr,
   * $remote_port, X-Real-IP, X-Forwarded-For) as nginx's realip module does (APISIX real-ip,
   * `set_real_ip`): `port` undefined keeps the connection's port; $realip_remote_addr and
   * $realip_remote_port keep the connection's. The route was matched before and stays.
   * Optional: contexts outside the data plane may omit it.
   */
  setRealIp?(ip: string, port?: number): void;
  readonly requestId: string;
  /** process.hrtime.bigint() at request start. */
  readonly startNs: bigint;
  /** Aborted when the client goes away; pass it to upstream calls. */
  readonly signal: AbortSignal;
  /**
   * Optional cheaper alternative to `signal`: call `cb` once if the client goes away before
   * the response finished. Returns a function that unregisters it. Called at once (sync) when
   * the client is already gone.
   */
  onClientGone?(cb: () => void): () => void;

  /** The whole request body, read once and cached. */
  readBody(): Promise<Buffer>;
  /** Replace the body sent upstream (plain-proxy path). */
  setBody(body: Buffer | string): void;

  /** nginx-style variables: built-ins ($uri, $host, $arg_x, $http_x, $cookie_x, ...) plus plugin-set ones. */
  readonly vars: VarStore;
  /** Headers added to the client response by plugins (e.g. X-AI-RateLimit-*). */
  readonly respHeaders: Record<string, string>;
  /** Extra top-level fields for logger plugins' entries (llm_summary, llm_request, llm_response_text). */
  readonly logFields: Record<string, unknown>;
  /** Scratch space plugins share within one request (APISIX ctx.*). */
  readonly shared: Map<string, unknown>;

  readonly routeId: string | undefined;
  /** etcd key of the matched route, e.g. "/apisix/routes/1". */
  readonly routeKey: string | undefined;
  /**
   * The route's `uri`/`uris` pattern and `host`/`hosts` pattern that matched (APISIX
   * `ctx.curr_req_matched._path` / `._host`); "" when none (no route, or a route without hosts).
   * Optional: contexts outside the data plane may omit them.
   */
  readonly matchedUri?: string;
  readonly matchedHost?: string;
  readonly consumers: ConsumerDirectory;
  consumer: ConsumerInfo | undefined;
  /** Attach an authenticated consumer (sets X-Consumer-Username etc., merges its plugins after rewrite). */
  attachConsumer(consumer: ConsumerInfo): void;
  /** Plugins in effect for this request, by name (after route/service/consumer merge). */
  readonly plugins: ReadonlyMap<string, AttachedPlugin>;
  /**
   * The plugin's `plugin_metadata` (APISIX `plugin.plugin_metadata(name).value`), validated
   * against its `metadataSchema` with defaults applied, or undefined when none is set. The
   * object is frozen and stays the same object until the metadata changes, so plugins may key
   * caches of derived state on it (WeakMap). Optional: contexts outside the data plane may omit it.
   */
  pluginMetadata?(name: string): Readonly<Record<string, unknown>> | undefined;
  readonly logger: Logger;
  /**
   * Send this request to another upstream than the route's (APISIX traffic-split); the last
   * call before the proxy wins. Optional: contexts outside the data plane may omit it.
   */
  selectUpstream?(target: UpstreamTarget): void;
  /** Whether the configuration being served has upstream `id` (APISIX `upstream.get_by_id`). */
  hasUpstream?(id: string): boolean;
  /** Response status sent to the client (set once headers are written). */
  status: number;
  /** Bytes of response body sent to the client. */
  bytesSent: number;
  /**
   * What the transport that talked to the upstream reports about the exchange (the core
   * proxy, or a plugin that proxies itself such as ai-proxy). The data plane derives nginx's
   * `$upstream_*` variables from it; plugins never set those variables by name.
   */
  readonly upstream: UpstreamReport;
  /**
   * Method of the request the core proxy sends upstream (APISIX `ngx.req.set_method`, used by
   * proxy-rewrite); undefined keeps the client's. Plugins that build their own upstream
   * request (ai-proxy) ignore it. Optional: contexts outside the data plane may omit it.
   */
  upstreamMethod?: string;
}

/**
 * Facts of one upstream exchange, reported as they happen. A retry is a new `attempt` of the
 * same exchange: the per-try values (addr, status, times) are joined with ", " as nginx does.
 */
export interface UpstreamReport {
  /**
   * A new exchange with `scheme` and request URI `uri` ($upstream_scheme, $upstream_uri); it
   * clears the tries of an earlier exchange (an AI fallback to another instance).
   */
  exchange(scheme: string, uri: string): void;
  /** A try begins: to `addr` ("host:port", $upstream_addr) with Host `host` ($upstream_host). */
  attempt(addr: string, host: string): void;
  /** The try's response head arrived `ms` after it began ($upstream_status, $upstream_header_time). */
  responded(status: number, ms: number): void;
  /** The try failed before any response: nginx's 502 or 504, `ms` after it began. */
  failed(status: number, ms: number): void;
  /**
   * The try's response ended `ms` after it began ($upstream_response_time). May be called
   * again as a stream goes on: the last call wins.
   */
  finished(ms: number): void;
}

/** nginx variable access. Values are strings as in nginx; undefined when unset. */
export interface VarStore {
  get(name: string): string | undefined;
  set(name: string, value: string | number | undefined): void;
}

/** A complete plugin: definition plus data-plane hooks. */
export interface PluginModule<Conf = any, State = any> extends PluginDefinition<Conf> {
  /**
   * Derive everything a hook needs from the validated conf (defaults applied), once per
   * config revision. Never called per request. Defaults to the conf itself.
   */
  prepare?(conf: Conf, env: PrepareEnv): State;
  /** Release what prepare made (timers, pools, checkers) when a revision drops it. */
  destroy?(state: State): void;
  rewrite?(ctx: RequestContext, state: State): MaybePromise<HookResult>;
  access?(ctx: RequestContext, state: State): MaybePromise<HookResult>;
  /**
   * Runs after access, before the core proxies to the route's upstream. A plugin that
   * talks to the upstream itself (ai-proxy) returns its Reply here, streaming body included.
   */
  beforeProxy?(ctx: RequestContext, state: State): MaybePromise<HookResult>;
  /** Adjust the client response status/headers before they are written. */
  headerFilter?(ctx: RequestContext, state: State, res: ResponseHead): void;
  /**
   * APISIX `body_filter`: sees every response body chunk after headerFilter ran (upstream
   * responses, plugin replies and gateway error pages alike), global rules first, each plugin
   * getting the previous one's output. Called once more with `eof` true (and usually an
   * empty chunk) when the body ends. Return the bytes to send instead of `chunk` (an empty
   * array holds the chunk back, e.g. to buffer until eof), or undefined to pass it unchanged.
   * A plugin that changes the length must drop `content-length` in its headerFilter, as
   * APISIX's `core.response.clear_header_as_body_modified` does. Not called for HEAD requests.
   */
  bodyFilter?(ctx: RequestContext, state: State, chunk: Uint8Array, eof: boolean): Uint8Array | undefined;
  /** Runs after the response has been sent (or the client went away). Must not throw. */
  log?(ctx: RequestContext, state: State): MaybePromise<void>;
}

export interface ResponseHead {
  status: number;
  headers: Record<string, string | readonly string[]>;
}
