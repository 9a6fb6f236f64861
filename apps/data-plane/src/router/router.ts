import { compileExpr } from './expr.js';
import { compileIpMatcher } from './ip.js';
import { UriIndex, type Candidate, type MatchRequest } from './uri-index.js';

export type { MatchRequest } from './uri-index.js';

/** What the router needs to know about one route (service `hosts` already inherited). */
export interface RouteSpec<H> {
  id: string;
  uris: readonly string[];
  methods?: readonly string[] | undefined;
  hosts?: readonly string[] | undefined;
  priority?: number | undefined;
  remoteAddrs?: readonly string[] | undefined;
  vars?: unknown;
  handle: H;
}

/** A route that could not be inserted (bad CIDR, bad vars expression). */
export interface RouteBuildError {
  id: string;
  message: string;
}

/** Host → path indexes, in the lookup order radixtree_host_uri uses. */
class HostIndex<H> {
  readonly exact = new Map<string, UriIndex<H>>();
  readonly wild = new Map<string, UriIndex<H>>();
  wildLens: number[] = [];

  get(host: string): UriIndex<H> {
    const wildcard = host.startsWith('*');
    const map = wildcard ? this.wild : this.exact;
    const key = wildcard ? host.slice(1) : host;
    let idx = map.get(key);
    if (!idx) {
      idx = new UriIndex<H>();
      map.set(key, idx);
    }
    return idx;
  }

  seal(): void {
    for (const i of this.exact.values()) i.seal();
    for (const i of this.wild.values()) i.seal();
    this.wildLens = [...new Set([...this.wild.keys()].map((k) => k.length))].sort((a, b) => b - a);
  }

  match(host: string, req: MatchRequest): H | undefined {
    const ex = this.exact.get(host);
    if (ex !== undefined) {
      const h = ex.match(req);
      if (h !== undefined) return h;
    }
    // Wildcards: longest suffix first ("*.a.foo.com" before "*.foo.com" before "*").
    const lens = this.wildLens;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      if (len > host.length) continue;
      const idx = this.wild.get(len === 0 ? '' : host.slice(host.length - len));
      if (idx === undefined) continue;
      const h = idx.match(req);
      if (h !== undefined) return h;
    }
    return undefined;
  }
}

/**
 * APISIX's default `radixtree_host_uri` router (apisix/http/router/radixtree_host_uri.lua):
 * routes with hosts are consulted first (exact host, then wildcard hosts longest first),
 * then routes without hosts. Built once per snapshot; `match` allocates nothing for
 * exact/prefix paths.
 */
export class Router<H> {
  private readonly plain = new HostIndex<H>();
  /** Hosts written with a port are compared with the raw Host header ($http_host). */
  private readonly withPort = new HostIndex<H>();
  private readonly hostless = new UriIndex<H>();
  private hasHostRoutes = false;

  private constructor() {}

  /** Build a router; routes with invalid filters are reported and left out. */
  static build<H>(specs: readonly RouteSpec<H>[]): { router: Router<H>; errors: RouteBuildError[] } {
    const r = new Router<H>();
    const errors: RouteBuildError[] = [];
    specs.forEach((s, order) => {
      let c: Candidate<H>;
      try {
        c = {
          handle: s.handle,
          priority: s.priority ?? 0,
          order,
          methods: s.methods && s.methods.length ? new Set(s.methods) : undefined,
          remote: s.remoteAddrs && s.remoteAddrs.length ? compileIpMatcher(s.remoteAddrs) : undefined,
          vars: Array.isArray(s.vars) && s.vars.length ? compileExpr(s.vars) : undefined,
        };
      } catch (e) {
        errors.push({ id: s.id, message: (e as Error).message });
        return;
      }
      if (s.hosts && s.hosts.length) {
        r.hasHostRoutes = true;
        for (const raw of new Set(s.hosts.map((h) => h.toLowerCase()))) {
          const idx = (raw.includes(':') ? r.withPort : r.plain).get(raw);
          for (const u of s.uris) idx.add(u, c);
        }
      } else {
        for (const u of s.uris) r.hostless.add(u, c);
      }
    });
    r.plain.seal();
    r.withPort.seal();
    r.hostless.seal();
    return { router: r, errors };
  }

  /** The first matching route's handle, or undefined (404). */
  match(req: MatchRequest): H | undefined {
    if (this.hasHostRoutes) {
      const h = this.plain.match(req.host, req) ?? this.withPort.match(req.httpHost, req);
      if (h !== undefined) return h;
    }
    return this.hostless.match(req);
  }
}
