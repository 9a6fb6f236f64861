/**
 * `$secret://` and `$env://` references in plugin confs (apisix/plugin.lua resolves them
 * before a plugin runs, apisix/consumer.lua when it indexes consumers). Here they are resolved
 * off the request path: the preparer substitutes values already in the cache; a reference not
 * resolved yet makes the object wait (it is refused, fail closed, until its value is known),
 * the lookup runs in the background, and `onChange` asks the sync to prepare the waiting and
 * the dependent objects again. Values are re-read every TTL, and all of them when the
 * `secrets` objects change.
 */
import { collectRefs, parseRef, resolveEnv, SecretResolver, substituteRefs, type HttpFetch } from '@portico/secrets';
import type { Logger } from '@portico/plugin-sdk';

export interface SecretRefsOptions {
  /** The `secrets/<manager>/<id>` object being served. */
  secretConf(manager: string, id: string): Record<string, unknown> | undefined;
  logger: Logger;
  /** Called when resolved values changed: objects using references must be prepared again. */
  onChange(): void;
  /** How often expired values are re-read (ms). */
  refreshMs?: number;
  ttl?: number;
  negTtl?: number;
  http?: HttpFetch;
}

/** An object whose references are not all resolved yet. */
export class SecretPendingError extends Error {
  readonly code = 'secret_pending';
}

export class SecretRefs {
  private readonly resolver: SecretResolver;
  private readonly queued = new Set<string>();
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped whenever a value changed: prepared states built before are stale. */
  generation = 0;

  constructor(private readonly opts: SecretRefsOptions) {
    this.resolver = new SecretResolver({
      secretConf: opts.secretConf,
      logger: opts.logger,
      ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
      ...(opts.negTtl !== undefined ? { negTtl: opts.negTtl } : {}),
      ...(opts.http ? { http: opts.http } : {}),
    });
    this.timer = setInterval(() => void this.refresh(), opts.refreshMs ?? 5000);
    this.timer.unref();
  }

  /**
   * A copy of `conf` with every reference replaced by its value. Throws SecretPendingError
   * (and starts the lookups) when a reference has no value yet.
   */
  substitute<T>(conf: T): T {
    const refs = collectRefs(conf);
    if (refs.size === 0) return conf;
    const valueOf = (r: string): string | undefined => this.resolver.peek(r) ?? envValue(r);
    const missing = [...refs].filter((r) => valueOf(r) === undefined);
    if (missing.length > 0) {
      for (const r of missing) this.queued.add(r);
      this.schedule();
      throw new SecretPendingError(`failed to resolve secret reference: ${missing.join(', ')}`);
    }
    return substituteRefs(conf, valueOf);
  }

  /** The `secrets` objects changed: forget every value (APISIX keys its cache on their version). */
  secretsChanged(): void {
    this.resolver.clear();
    this.generation++;
    this.opts.onChange();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Look the queued references up after the current sync step (its snapshot must be published first). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const refs = [...this.queued].filter((r) => !this.resolver.isFresh(r));
      this.queued.clear();
      if (refs.length === 0) return;
      void this.resolver.resolveAll(refs).then(() => {
        if (refs.some((r) => this.resolver.peek(r) !== undefined)) this.changed();
      });
    });
  }

  private async refresh(): Promise<void> {
    const changed = await this.resolver.refresh();
    if (changed.size > 0) this.changed();
  }

  private changed(): void {
    this.generation++;
    this.opts.onChange();
  }
}

/** `$env://` needs no I/O: read it at once, so such objects are served from the first snapshot. */
function envValue(ref: string): string | undefined {
  const parsed = parseRef(ref);
  if ('error' in parsed || parsed.kind !== 'env') return undefined;
  const r = resolveEnv(parsed);
  return 'value' in r ? r.value : undefined;
}
