import type { IpMatcher } from './ip.js';
import type { CompiledExpr, VarSource } from './expr.js';

/** Request attributes the router looks at. */
export interface MatchRequest {
  /** Normalised, decoded path ($uri). */
  uri: string;
  method: string;
  /** $host: lower-case, port stripped. */
  host: string;
  /** $http_host: the raw Host header, lower-case (port kept). */
  httpHost: string;
  remoteAddr: string;
  vars: VarSource;
}

/** One route under one path, with its compiled filters. */
export interface Candidate<H> {
  handle: H;
  priority: number;
  /** Position in build input: stable tie-break. */
  order: number;
  methods: ReadonlySet<string> | undefined;
  remote: IpMatcher | undefined;
  vars: CompiledExpr | undefined;
}

function passes<H>(c: Candidate<H>, req: MatchRequest): boolean {
  if (c.methods !== undefined && !c.methods.has(req.method)) return false;
  if (c.remote !== undefined && !c.remote.match(req.remoteAddr)) return false;
  if (c.vars !== undefined && !c.vars(req.vars)) return false;
  return true;
}

function byPriority<H>(a: Candidate<H>, b: Candidate<H>): number {
  return b.priority - a.priority || a.order - b.order;
}

/**
 * Path index with lua-resty-radixtree semantics under `no_param_match`: a path ending in
 * `*` is a prefix (the part before `*`), anything else is an exact literal. Exact hits
 * win over prefixes; prefixes are tried longest first. Lookups are hash hits per distinct
 * prefix length, so the cost does not grow with the number of routes.
 */
export class UriIndex<H> {
  private readonly exact = new Map<string, Candidate<H>[]>();
  private readonly prefix = new Map<string, Candidate<H>[]>();
  private prefixLens: number[] = [];

  add(path: string, c: Candidate<H>): void {
    const isPrefix = path.endsWith('*');
    const map = isPrefix ? this.prefix : this.exact;
    const key = isPrefix ? path.slice(0, -1) : path;
    const list = map.get(key);
    if (list) {
      // One route listing the same path twice (uris) is kept once.
      if (!list.some((x) => x.handle === c.handle)) list.push(c);
    } else map.set(key, [c]);
  }

  /** Sort buckets once after all adds. */
  seal(): void {
    for (const l of this.exact.values()) l.sort(byPriority);
    for (const l of this.prefix.values()) l.sort(byPriority);
    this.prefixLens = [...new Set([...this.prefix.keys()].map((k) => k.length))].sort((a, b) => b - a);
  }

  match(req: MatchRequest): H | undefined {
    const uri = req.uri;
    const ex = this.exact.get(uri);
    if (ex !== undefined) {
      for (let i = 0; i < ex.length; i++) if (passes(ex[i]!, req)) return ex[i]!.handle;
    }
    const lens = this.prefixLens;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      if (len > uri.length) continue;
      const list = this.prefix.get(len === uri.length ? uri : uri.slice(0, len));
      if (list === undefined) continue;
      for (let j = 0; j < list.length; j++) if (passes(list[j]!, req)) return list[j]!.handle;
    }
    return undefined;
  }
}
