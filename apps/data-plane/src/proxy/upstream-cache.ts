import { UpstreamConfError, UpstreamRuntime } from './upstream.js';

/**
 * Upstream runtimes by identity (`<etcd key>#<modRevision>` of the object defining them), so
 * an unchanged upstream keeps its picker state and connection pools across snapshots.
 */
export class UpstreamCache {
  private readonly byKey = new Map<string, UpstreamRuntime>();

  /** The runtime for a definition; throws UpstreamConfError when it cannot be used. */
  get(cacheKey: string, conf: unknown): UpstreamRuntime {
    let up = this.byKey.get(cacheKey);
    if (up === undefined) {
      if (!conf || typeof conf !== 'object') throw new UpstreamConfError('invalid upstream');
      up = new UpstreamRuntime(conf as Record<string, unknown>);
      this.byKey.set(cacheKey, up);
    }
    return up;
  }

  /** Close runtimes whose key is not in `live`. */
  sweep(live: ReadonlySet<string>): void {
    for (const [k, up] of this.byKey) {
      if (!live.has(k)) {
        this.byKey.delete(k);
        up.close();
      }
    }
  }

  closeAll(): void {
    this.sweep(new Set());
  }
}
