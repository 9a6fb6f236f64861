import type { Logger } from '@portico/plugin-sdk';
import { Chain } from '../chain/chain.js';
import type { UpstreamCache } from '../proxy/upstream-cache.js';
import type { UpstreamRuntime } from '../proxy/upstream.js';
import { Router } from '../router/router.js';
import type { CertificateCache } from '../tls/certificate-cache.js';
import type { ServerCert } from '../tls/server-cert.js';
import type { SniIndex } from '../tls/sni-index.js';
import { AUTH_LOOKUPS, Consumers } from './consumers.js';
import type { ItemStore, Kind } from './items.js';
import { buildRoute, routeSignature, type RouteRuntime } from './routes.js';

/**
 * Everything the data plane serves from, for one config revision. Immutable: a request
 * takes the current snapshot at its start and keeps it to the end; sync swaps in a new one.
 */
export interface Snapshot {
  readonly revision: number;
  readonly items: ItemStore;
  readonly router: Router<string>;
  /** Enabled routes (status != 0) by id. */
  readonly routes: ReadonlyMap<string, RouteRuntime>;
  /**
   * Every usable upstream object by id, for plugins that pick one per request (traffic-split
   * `upstream_id`); shares the runtimes (pools, pickers) routes using the same object have.
   */
  readonly upstreamsById: ReadonlyMap<string, UpstreamRuntime>;
  /** Global rules in key order. */
  readonly globals: readonly Chain[];
  readonly consumers: Consumers;
  /** plugin_metadata values by plugin name: checked against metadataSchema and frozen at sync (PluginPreparer.checkMetadata). */
  readonly pluginMetadata: ReadonlyMap<string, Record<string, unknown>>;
  /** Server certificates of the `ssls` objects by SNI, for the HTTPS listener. */
  readonly certificates: SniIndex<ServerCert>;
}

const ROUTE_INPUTS: readonly Kind[] = ['routes', 'services', 'plugin_configs', 'upstreams', 'ssls'];
const CONSUMER_INPUTS: readonly Kind[] = ['consumers', 'credentials', 'consumer_groups'];

/**
 * Derive a snapshot from items. Only what the changed kinds feed is rebuilt; unchanged
 * route runtimes (same signature) are reused, so one change among 10k routes costs a
 * router rebuild, not 10k plugin preparations.
 */
export function buildSnapshot(
  prev: Snapshot | undefined,
  items: ItemStore,
  revision: number,
  upstreams: UpstreamCache,
  logger: Logger,
  certs: CertificateCache,
): Snapshot {
  const changed = (kinds: readonly Kind[]): boolean => !prev || kinds.some((k) => items.changed.has(k));
  upstreams.useSsls(items.of('ssls'));
  const warn = (msg: string, obj: object): void => logger.warn(obj, msg);

  let routes = prev?.routes;
  let router = prev?.router;
  let upstreamsById = prev?.upstreamsById;
  if (!routes || !router || !upstreamsById || changed(ROUTE_INPUTS)) {
    let next: Map<string, RouteRuntime>;
    const onlyRoutes = prev && !ROUTE_INPUTS.some((k) => k !== 'routes' && items.changed.has(k));
    const build = (id: string): void => {
      const item = items.get('routes', id);
      if (!item || item.value.status === 0) {
        next.delete(id);
        return;
      }
      const sig = routeSignature(item, items);
      const old = prev?.routes.get(id);
      next.set(id, old && old.sig === sig ? old : buildRoute(item, items, upstreams, sig, warn));
    };
    if (onlyRoutes) {
      // Only routes were written: rebuild those, keep every other runtime as is.
      next = new Map(prev.routes);
      for (const id of items.changedIds.get('routes') ?? []) build(id);
    } else {
      next = new Map();
      for (const id of items.of('routes').keys()) build(id);
    }
    const built = Router.build([...next.values()].map((r) => r.spec));
    for (const e of built.errors) {
      logger.error({ route_id: e.id, err: e.message }, 'route skipped: invalid match conditions');
      next.delete(e.id);
    }
    routes = next;
    router = built.router;
    const live = new Set<string>();
    for (const r of next.values()) if (r.upstreamKey !== undefined) live.add(r.upstreamKey);
    upstreamsById = buildUpstreamsById(items, upstreams, live, warn);
    upstreams.sweep(live);
  }

  let globals = prev?.globals;
  if (!globals || changed(['global_rules'])) {
    globals = [...items.of('global_rules').values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((g) => Chain.of(g.plugins ?? new Map()));
  }

  let consumers = prev?.consumers;
  if (!consumers || changed(CONSUMER_INPUTS)) {
    consumers = new Consumers(items, warn);
    for (const [plugin, attr] of AUTH_LOOKUPS) consumers.warm(plugin, attr);
  }

  let pluginMetadata = prev?.pluginMetadata;
  if (!pluginMetadata || changed(['plugin_metadata'])) {
    pluginMetadata = new Map([...items.of('plugin_metadata').values()].map((i) => [i.id, i.value]));
  }

  let certificates = prev?.certificates;
  if (!certificates || changed(['ssls'])) certificates = certs.index(items.of('ssls').values());

  return { revision, items, router, routes, upstreamsById, globals, consumers, pluginMetadata, certificates };
}

/** Runtimes of every upstream object (cache key `<etcd key>#<modRevision>`, as routes use), added to `live`. */
function buildUpstreamsById(
  items: ItemStore,
  upstreams: UpstreamCache,
  live: Set<string>,
  warn: (msg: string, obj: object) => void,
): Map<string, UpstreamRuntime> {
  const out = new Map<string, UpstreamRuntime>();
  for (const up of items.of('upstreams').values()) {
    const key = `${up.key}#${up.modRevision}`;
    try {
      out.set(up.id, upstreams.get(key, up.value));
      live.add(key);
    } catch (e) {
      warn('invalid upstream', { upstream_id: up.id, err: (e as Error).message });
    }
  }
  return out;
}
