import { chashKey, createPicker, type HashOn, type Picker } from '@portico/balancer';
import { Agent } from 'undici';
import type { RequestCtx } from '../context.js';

/** One upstream node. */
export interface UpstreamNode {
  /** `host:port`, the balancer's name for it and $upstream_addr. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly priority: number;
  /** `scheme://host:port` for undici. */
  readonly origin: string;
}

/** Timeouts in milliseconds. */
export interface Timeouts {
  connect: number;
  send: number;
  read: number;
}

/** nginx proxy_{connect,send,read}_timeout defaults (60 s) used when none is configured. */
export const DEFAULT_TIMEOUTS: Timeouts = { connect: 60_000, send: 60_000, read: 60_000 };

/** A client certificate presented to upstreams (mTLS). */
export interface ClientCert {
  cert: string;
  key: string;
}

/** A broken upstream definition; routes using it answer 503. */
export class UpstreamConfError extends Error {
  readonly code = 'invalid_upstream';
}

function parseHostPort(addr: string, defPort: number): { host: string; port: number } {
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    const rest = addr.slice(end + 1);
    return { host: addr.slice(1, end), port: rest.startsWith(':') ? Number(rest.slice(1)) : defPort };
  }
  const colon = addr.lastIndexOf(':');
  if (colon > 0 && addr.indexOf(':') === colon) return { host: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) };
  return { host: addr, port: defPort };
}

/** Timeouts object of a route/upstream (`{connect, send, read}` seconds) in ms. */
export function timeoutsOf(t: unknown, base: Timeouts = DEFAULT_TIMEOUTS): Timeouts {
  if (!t || typeof t !== 'object') return base;
  const o = t as Record<string, unknown>;
  const ms = (v: unknown, d: number): number => (typeof v === 'number' && v > 0 ? v * 1000 : d);
  return { connect: ms(o.connect, base.connect), send: ms(o.send, base.send), read: ms(o.read, base.read) };
}

/**
 * An upstream prepared for proxying (apisix/upstream.lua + apisix/balancer.lua): parsed
 * nodes, a picker built once, retry budget, timeouts, and one undici Agent (connection
 * pools per node) that lives as long as this definition is unchanged.
 */
export class UpstreamRuntime {
  readonly nodes: readonly UpstreamNode[];
  readonly scheme: 'http' | 'https';
  readonly passHost: 'pass' | 'node' | 'rewrite';
  readonly upstreamHost: string | undefined;
  readonly timeouts: Timeouts;
  readonly retries: number;
  private readonly picker: Picker | undefined;
  private readonly byName: Map<string, UpstreamNode>;
  private readonly hashOn: HashOn | undefined;
  private readonly hashKey: string | undefined;
  private readonly agents = new Map<number, Agent>();
  private readonly keepAliveMs: number;
  private readonly verifyTls: boolean;
  private closed = false;

  constructor(
    conf: Record<string, unknown>,
    private readonly clientCert?: ClientCert,
  ) {
    const scheme = conf.scheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') throw new UpstreamConfError(`unsupported upstream scheme: ${String(scheme)}`);
    this.scheme = scheme;
    if (conf.nodes === undefined) throw new UpstreamConfError('upstream without nodes (service discovery is not supported)');
    const defPort = scheme === 'https' ? 443 : 80;
    const nodes: UpstreamNode[] = [];
    const add = (host: string, port: number, weight: number, priority: number): void => {
      const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      const name = `${h}:${port}`;
      if (nodes.some((n) => n.name === name)) return;
      nodes.push({ name, host, port, weight, priority, origin: `${scheme}://${name}` });
    };
    if (Array.isArray(conf.nodes)) {
      for (const n of conf.nodes as Record<string, unknown>[]) {
        const { host, port } = parseHostPort(String(n.host), defPort);
        add(host, typeof n.port === 'number' ? n.port : port, Number(n.weight ?? 1), Number(n.priority ?? 0));
      }
    } else if (conf.nodes && typeof conf.nodes === 'object') {
      for (const [addr, w] of Object.entries(conf.nodes as Record<string, unknown>)) {
        const { host, port } = parseHostPort(addr, defPort);
        add(host, port, Number(w), 0);
      }
    }
    this.nodes = nodes;
    this.byName = new Map(nodes.map((n) => [n.name, n]));
    const chash = conf.type === 'chash';
    this.picker = nodes.length ? createPicker(nodes, chash ? 'chash' : 'roundrobin') : undefined;
    this.hashOn = chash ? ((conf.hash_on as HashOn | undefined) ?? 'vars') : undefined;
    this.hashKey = typeof conf.key === 'string' ? conf.key : undefined;
    this.passHost = (conf.pass_host as UpstreamRuntime['passHost'] | undefined) ?? 'pass';
    this.upstreamHost = typeof conf.upstream_host === 'string' ? conf.upstream_host : undefined;
    this.timeouts = timeoutsOf(conf.timeout);
    // apisix/balancer.lua: without `retries`, try every other node once.
    this.retries = typeof conf.retries === 'number' ? conf.retries : Math.max(nodes.length - 1, 0);
    const pool = (conf.keepalive_pool ?? {}) as Record<string, unknown>;
    this.keepAliveMs = (typeof pool.idle_timeout === 'number' ? pool.idle_timeout : 60) * 1000;
    const tls = (conf.tls ?? {}) as Record<string, unknown>;
    this.verifyTls = tls.verify === true;
  }

  /** Next node to try, skipping `tried`; undefined when every node was tried (or none exist). */
  pick(ctx: RequestCtx, tried: ReadonlySet<string>): UpstreamNode | undefined {
    if (this.picker === undefined) return undefined;
    let key: string | undefined;
    if (this.hashOn !== undefined) {
      key = chashKey(this.hashOn, this.hashKey, {
        var: (n) => ctx.vars.get(n),
        consumerName: ctx.consumer?.username,
      }).key;
    }
    const name = this.picker.pick(tried, key);
    return name === undefined ? undefined : this.byName.get(name);
  }

  /** The Agent for a connect timeout (one per distinct timeout; normally exactly one). */
  agent(connectMs: number): Agent {
    let a = this.agents.get(connectMs);
    if (a === undefined) {
      // keepalive_pool.idle_timeout 0 means no keep-alive (nginx keepalive_timeout 0);
      // undici rejects a 0 keepAliveTimeout and spells "no keep-alive" as pipelining 0.
      a = new Agent(
        this.keepAliveMs > 0
          ? {
              connect: { timeout: connectMs, rejectUnauthorized: this.verifyTls, ...this.clientCert },
              keepAliveTimeout: this.keepAliveMs,
              keepAliveMaxTimeout: Math.max(this.keepAliveMs, 1000),
            }
          : { connect: { timeout: connectMs, rejectUnauthorized: this.verifyTls, ...this.clientCert }, pipelining: 0 },
      );
      if (!this.closed) this.agents.set(connectMs, a);
    }
    return a;
  }

  /** True once dropped: agents handed out now are temporary and closed by the caller after use. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Close pooled connections once in-flight requests finish (called when a snapshot drops it). */
  close(): void {
    this.closed = true;
    for (const a of this.agents.values()) void a.close().catch(() => undefined);
    this.agents.clear();
  }
}
