import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { registerChecker } from './registry.js';
import type { ResolvedActiveCheck } from './schema.js';

/** Where probes go: the instance's endpoint host and port (checks.active.port overrides). */
export interface HealthTarget {
  host: string;
  port: number;
}

export interface CheckerOptions {
  /** Extra probe headers (3.18: the instance's `auth.header`), added after `req_headers`. */
  headers?: Readonly<Record<string, string>>;
  /** Extra probe query string (3.18: the instance's `auth.query`), without '?'. */
  query?: string;
  /** Called on every healthy ⇄ unhealthy transition. */
  onChange?: (healthy: boolean) => void;
  /** Name under which the running checker is listed (registry.ts; prometheus upstream_status). */
  name?: string;
}

type Outcome = 'success' | 'http_failure' | 'tcp_failure' | 'timeout' | 'ignored';

/**
 * An active health checker for one target, with lua-resty-healthcheck's counting rules:
 * targets start healthy; a probe whose status is in `healthy.http_statuses` counts a
 * success, in `unhealthy.http_statuses` an http failure, a connect error a tcp failure and
 * a timeout a timeout (other statuses are ignored). Reaching the threshold of one kind flips
 * the state; each outcome resets the counters of the opposite kind. Probes repeat every
 * `healthy.interval` while healthy and `unhealthy.interval` while unhealthy.
 * Create in `prepare`, `stop()` in `destroy`: nothing (timer, socket) outlives stop.
 */
export class ActiveHealthChecker {
  private healthyNow = true;
  private successes = 0;
  private failures = { http_failure: 0, tcp_failure: 0, timeout: 0 };
  private timer: NodeJS.Timeout | undefined;
  private inflight: { req?: ClientRequest; sock?: Socket } | undefined;
  private stopped = true;
  private unregister: (() => void) | undefined;
  /** Bumped on every state flip (APISIX checker.status_ver). */
  statusVersion = 0;

  constructor(
    readonly target: HealthTarget,
    private readonly conf: ResolvedActiveCheck,
    private readonly opts: CheckerOptions = {},
  ) {}

  get healthy(): boolean {
    return this.healthyNow;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const name = this.opts.name;
    if (name !== undefined) {
      this.unregister = registerChecker({ name, host: this.target.host, port: this.target.port, healthy: () => this.healthyNow });
    }
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.unregister?.();
    this.unregister = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inflight?.req?.destroy();
    this.inflight?.sock?.destroy();
    this.inflight = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    const ms = this.healthyNow ? this.conf.healthy.intervalMs : this.conf.unhealthy.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probe().then((o) => {
        if (this.stopped) return;
        this.record(o);
        this.schedule();
      });
    }, ms);
  }

  /** Apply one probe outcome to the counters (exposed for table-driven tests). */
  record(o: Outcome): void {
    if (o === 'ignored') return;
    if (o === 'success') {
      this.failures = { http_failure: 0, tcp_failure: 0, timeout: 0 };
      if (!this.healthyNow && ++this.successes >= this.conf.healthy.successes) this.flip(true);
      return;
    }
    this.successes = 0;
    if (!this.healthyNow) return;
    const limit =
      o === 'http_failure'
        ? this.conf.unhealthy.httpFailures
        : o === 'tcp_failure'
          ? this.conf.unhealthy.tcpFailures
          : this.conf.unhealthy.timeouts;
    if (++this.failures[o] >= limit) this.flip(false);
  }

  private flip(healthy: boolean): void {
    this.healthyNow = healthy;
    this.successes = 0;
    this.failures = { http_failure: 0, tcp_failure: 0, timeout: 0 };
    this.statusVersion++;
    this.opts.onChange?.(healthy);
  }

  private probe(): Promise<Outcome> {
    const port = this.conf.port ?? this.target.port;
    const host = this.target.host;
    return new Promise<Outcome>((resolve) => {
      let done = false;
      const finish = (o: Outcome) => {
        if (done) return;
        done = true;
        clearTimeout(t);
        this.inflight?.req?.destroy();
        this.inflight?.sock?.destroy();
        this.inflight = undefined;
        resolve(o);
      };
      const t = setTimeout(() => finish('timeout'), this.conf.timeoutMs);
      if (this.conf.type === 'tcp') {
        const sock = connect({ host, port });
        this.inflight = { sock };
        sock.once('connect', () => finish('success'));
        sock.once('error', () => finish('tcp_failure'));
        return;
      }
      const headers: Record<string, string> = { host: this.conf.host ?? host };
      for (const line of this.conf.reqHeaders) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      for (const [k, v] of Object.entries(this.opts.headers ?? {})) headers[k.toLowerCase()] ??= v;
      let path = this.conf.httpPath;
      if (this.opts.query) path += (path.includes('?') ? '&' : '?') + this.opts.query;
      const make = this.conf.type === 'https' ? httpsRequest : httpRequest;
      const req = make({
        host,
        port,
        path,
        method: 'GET',
        headers,
        agent: false,
        ...(this.conf.type === 'https'
          ? { rejectUnauthorized: this.conf.verifyCertificate, servername: this.conf.host ?? host }
          : {}),
      });
      this.inflight = { req };
      req.once('response', (res) => {
        res.resume();
        const s = res.statusCode ?? 0;
        finish(this.conf.healthy.statuses.has(s) ? 'success' : this.conf.unhealthy.statuses.has(s) ? 'http_failure' : 'ignored');
      });
      req.once('error', () => finish('tcp_failure'));
      req.end();
    });
  }
}
