import type { IncomingMessage, ServerResponse } from 'node:http';
import { nginxErrorPage } from '@portico/plugin-helpers';
import type { Logger, Reply } from '@portico/plugin-sdk';
import { RequestCtx } from '../context.js';
import { hasBadEscape } from '../uri.js';
import { forward } from '../proxy/forward.js';
import { UpstreamRuntime } from '../proxy/upstream.js';
import type { Inflight } from '../snapshot/inflight.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { Chain, PreparedPlugin } from '../chain/chain.js';
import { isReply, runPhase } from './phases.js';
import { sendReply } from '../reply/send.js';
import type { ServerStats } from '../metrics/server-stats.js';

/** What the request handler needs from the server. */
export interface HandlerDeps {
  current(): Snapshot | undefined;
  logger: Logger;
  /** `APISIX/3.16.0` (or `APISIX` with enable_server_tokens off). */
  serverHeader: string;
  /** Called once per request after log hooks ran (access log). */
  onDone?(ctx: RequestCtx): void;
  /** Tracks requests per snapshot so dropped plugin states outlive the requests using them. */
  inflight?: Inflight;
  /** Request counters for the prometheus node-level families. */
  stats?: ServerStats;
}

/** apisix/init.lua: no route matched. */
const NOT_FOUND: Reply = { status: 404, body: { error_msg: '404 Route Not Found' } };

type Outcome = Reply | undefined | Promise<Reply | undefined>;

/**
 * Phases in APISIX order (apisix/init.lua http_access_phase): global rules (rewrite then
 * access, per rule), route rewrite, consumer merge + rewrite of added plugins, access,
 * before_proxy, then the proxy. Resolves a Reply to send, or undefined when the proxy
 * already relayed the upstream response.
 */
async function runPipeline(ctx: RequestCtx, snap: Snapshot, serverHeader: string): Promise<Reply | undefined> {
  const routeId = snap.router.match(ctx);
  const route = routeId === undefined ? undefined : snap.routes.get(routeId);
  if (route !== undefined) {
    ctx.routeId = route.id;
    ctx.routeKey = route.key;
    ctx.routeName = route.name;
    ctx.routeSpec = route.spec;
    ctx.serviceId = route.serviceId;
    ctx.serviceName = route.serviceName;
  }
  let r: Outcome;
  for (const g of snap.globals) {
    r = runPhase(g.rewrite, 'rewrite', ctx);
    if (r !== undefined && isReply((r = await r))) return r;
    r = runPhase(g.access, 'access', ctx);
    if (r !== undefined && isReply((r = await r))) return r;
  }
  if (route === undefined) return NOT_FOUND;
  if (route.failStatus !== undefined) return { status: route.failStatus };
  // The route's plugins join only now (APISIX sets api_ctx.plugins after the global rules
  // ran): a reply from a global rule passes through the global rules' filters alone.
  ctx.chain = route.chain;
  ctx.plugins = route.chain.byName;

  r = runPhase(route.chain.rewrite, 'rewrite', ctx);
  if (r !== undefined && isReply((r = await r))) return r;

  let chain: Chain = route.chain;
  if (ctx.consumerAttached && ctx.consumer !== undefined) {
    const set = snap.consumers.pluginsFor(ctx.consumer);
    if (set === null) return { status: 503 };
    const merged = chain.withConsumer(set);
    chain = merged.chain;
    ctx.chain = chain;
    ctx.plugins = chain.byName;
    r = runPhase(merged.addedRewrite, 'rewrite', ctx);
    if (r !== undefined && isReply((r = await r))) return r;
  }

  r = runPhase(chain.access, 'access', ctx);
  if (r !== undefined && isReply((r = await r))) return r;
  for (const g of snap.globals) {
    r = runPhase(g.beforeProxy, 'beforeProxy', ctx);
    if (r !== undefined && isReply((r = await r))) return r;
  }
  r = runPhase(chain.beforeProxy, 'beforeProxy', ctx);
  if (r !== undefined && isReply((r = await r))) return r;

  // A plugin's choice (traffic-split) replaces the route's upstream; the route `timeout` still wins.
  const choice = ctx.upstreamChoice;
  if (choice === null) {
    ctx.logger.error({ route_id: route.id }, 'failed to find upstream by id');
    return { status: 502 };
  }
  let upstream = route.upstream;
  if (choice !== undefined) {
    if (!(choice instanceof UpstreamRuntime)) throw new TypeError('selectUpstream: not an upstream prepared by this data plane');
    upstream = choice;
  }
  if (upstream === undefined) {
    ctx.logger.error({ route_id: route.id }, 'missing upstream configuration in Route or Service');
    return { status: 503 };
  }
  return forward(ctx, upstream, route.timeouts, serverHeader);
}

/** Run one list of log hooks from `start`; returns a promise only when a hook returned one. */
function runLogList(ctx: RequestCtx, list: readonly PreparedPlugin[], start: number): Promise<void> | undefined {
  for (let i = start; i < list.length; i++) {
    const p = list[i]!;
    if (p.filter !== undefined && !p.filter(ctx.vars)) continue;
    let r: unknown;
    try {
      r = p.module.log!(ctx, p.state);
    } catch (e) {
      logFailed(ctx, p, e);
      continue;
    }
    if (r !== undefined && typeof (r as PromiseLike<void>).then === 'function') {
      return Promise.resolve(r).then(
        () => runLogList(ctx, list, i + 1),
        (e: unknown) => {
          logFailed(ctx, p, e);
          return runLogList(ctx, list, i + 1);
        },
      );
    }
  }
  return undefined;
}

function logFailed(ctx: RequestCtx, p: PreparedPlugin, e: unknown): void {
  ctx.logger.error({ plugin: p.name, err: (e as Error).message }, 'log phase failed');
}

/**
 * Log hooks of the global rules, then of the route's chain, in order; each waits for the one
 * before it. Synchronous (no promise, no array) while every hook is: the usual case.
 */
function runLogHooks(ctx: RequestCtx, from = 0): Promise<void> | undefined {
  const globals = ctx.globals;
  const n = globals.length;
  for (let g = from; g <= n; g++) {
    const list = g < n ? globals[g]!.log : ctx.chain?.log;
    if (list === undefined || list.length === 0) continue;
    const pending = runLogList(ctx, list, 0);
    if (pending !== undefined) return pending.then(() => runLogHooks(ctx, g + 1));
  }
  return undefined;
}

/**
 * Requests nginx refuses with 400 before any phase: a path with a `%` not followed by two hex
 * digits, or a bracketed (IPv6) Host without its closing `]`.
 */
function isBadRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '/';
  if (url.includes('%')) {
    const q = url.indexOf('?');
    if (hasBadEscape(q < 0 ? url : url.slice(0, q))) return true;
  }
  const host = req.headers.host;
  return host !== undefined && host.startsWith('[') && !host.includes(']');
}

/** The node:http request listener of the data plane. */
export function createHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger, serverHeader, stats } = deps;
  return (req, res) => {
    if (stats !== undefined) stats.requests++;
    const snap = deps.current();
    if (snap === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', server: serverHeader });
      res.end('config not loaded yet\n');
      return;
    }
    if (isBadRequest(req)) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8', server: serverHeader });
      res.end(nginxErrorPage(400));
      return;
    }
    if (stats !== undefined) stats.inFlight++;
    const epoch = deps.inflight?.enter();
    const ctx = new RequestCtx(req, res, snap.consumers, logger);
    ctx.globals = snap.globals;
    ctx.metadata = snap.pluginMetadata;
    ctx.upstreamsById = snap.upstreamsById;
    // Log hooks run once the pipeline settled and the response has been handed to the socket
    // in full (or the client left), so loggers see final usage numbers. They start in the same
    // turn of the event loop as the last write — as nginx's log phase follows the last byte —
    // so a token commit is in place before the client can send its next request.
    let pipelineDone = false;
    let logged = false;
    const runLog = (): void => {
      if (logged) return;
      logged = true;
      if (!res.headersSent && ctx.status === 0) ctx.status = 499;
      const done = (): void => {
        if (epoch !== undefined) deps.inflight!.leave(epoch);
        deps.onDone?.(ctx);
      };
      const pending = runLogHooks(ctx);
      if (pending === undefined) done();
      else void pending.then(done);
    };
    res.once('close', () => {
      if (stats !== undefined) stats.inFlight--;
      ctx.onClose();
      if (pipelineDone) runLog();
    });
    const settled = (): void => {
      pipelineDone = true;
      if (res.writableEnded || res.destroyed || ctx.clientGone) runLog();
    };
    runPipeline(ctx, snap, serverHeader).then(
      (reply) => replyThen(ctx, reply, serverHeader, settled),
      (e: unknown) => {
        ctx.logger.error({ route_id: ctx.routeId, err: (e as Error).message, stack: (e as Error).stack }, 'request failed');
        replyThen(ctx, { status: 500 }, serverHeader, settled);
      },
    );
  };
}

/**
 * Send the pipeline's reply (none when the proxy relayed the response itself), then call
 * `settled`: at once for a reply written in one go, after the last chunk for a streamed one.
 * No promise of its own for the common, synchronous case.
 */
function replyThen(ctx: RequestCtx, reply: Reply | undefined, serverHeader: string, settled: () => void): void {
  if (reply === undefined || ctx.clientGone) return settled();
  const failed = (e: unknown): void => {
    ctx.logger.error({ err: (e as Error).message }, 'failed to send reply');
    ctx.res.destroy();
  };
  let streaming: Promise<void> | undefined;
  try {
    streaming = sendReply(ctx, reply, serverHeader);
  } catch (e) {
    failed(e);
  }
  if (streaming === undefined) return settled();
  streaming.then(settled, (e: unknown) => {
    failed(e);
    settled();
  });
}
