import { Chain, fillMissing, layer } from '../chain/chain.js';
import type { UpstreamCache } from '../proxy/upstream-cache.js';
import { timeoutsOf, type Timeouts, type UpstreamRuntime } from '../proxy/upstream.js';
import type { RouteSpec } from '../router/router.js';
import type { Item, ItemStore } from './items.js';

/** Everything a request on one route needs, derived once per (route, service, plugin_config, upstream) version. */
export interface RouteRuntime {
  readonly id: string;
  readonly key: string;
  readonly name: string | undefined;
  readonly serviceId: string | undefined;
  readonly serviceName: string | undefined;
  readonly chain: Chain;
  readonly upstream: UpstreamRuntime | undefined;
  /** Identity of `upstream` in the UpstreamCache. */
  readonly upstreamKey: string | undefined;
  /** Route `timeout` over the upstream's. */
  readonly timeouts: Timeouts | undefined;
  /** Status to answer instead of running the route (missing service / plugin_config / upstream). */
  readonly failStatus: number | undefined;
  /** Versions this runtime was built from; equal signature = reusable. */
  readonly sig: string;
  readonly spec: RouteSpec<string>;
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

function strList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map(String) : undefined;
}

/** The upstream id a route uses (its own upstream_id, else its service's), if any. */
function upstreamIdOf(v: Record<string, unknown>, svc: Item | undefined): string | undefined {
  if (v.upstream !== undefined) return undefined;
  if (v.upstream_id !== undefined) return String(v.upstream_id);
  if (svc && svc.value.upstream === undefined) return str(svc.value.upstream_id);
  return undefined;
}

/** Signature of the item versions a route runtime is derived from. */
export function routeSignature(route: Item, items: ItemStore): string {
  const v = route.value;
  const svc = v.service_id !== undefined ? items.get('services', String(v.service_id)) : undefined;
  const pc = v.plugin_config_id !== undefined ? items.get('plugin_configs', String(v.plugin_config_id)) : undefined;
  const upId = upstreamIdOf(v, svc);
  const up = upId !== undefined ? items.get('upstreams', upId) : undefined;
  const v_ = (i: Item | undefined): string =>
    i === undefined ? '-' : i.regen === undefined ? `${i.modRevision}` : `${i.modRevision}.${i.regen}`;
  // A client certificate from an ssl object (upstream tls.client_cert_id) is part of the upstream.
  const upConf = (up?.value ?? v.upstream ?? svc?.value.upstream) as { tls?: { client_cert_id?: unknown } } | undefined;
  const certId = upConf?.tls?.client_cert_id;
  const ssl = certId === undefined ? undefined : items.get('ssls', String(certId));
  return `${v_(route)}|${v_(svc)}|${v_(pc)}|${up?.modRevision ?? '-'}|${ssl?.modRevision ?? '-'}`;
}

/**
 * Build a route runtime: service ← route plugins (route wins), plugin_config fills what the
 * route lacks (apisix/plugin_config.lua, apisix/plugin.lua merge_service_route), upstream
 * from route.upstream / upstream_id, then the service's.
 */
export function buildRoute(
  route: Item,
  items: ItemStore,
  upstreams: UpstreamCache,
  sig: string,
  warn: (msg: string, obj: object) => void,
): RouteRuntime {
  const v = route.value;
  let failStatus: number | undefined;
  const serviceId = str(v.service_id);
  const svc = serviceId !== undefined ? items.get('services', serviceId) : undefined;
  // apisix/init.lua: a route whose service is gone answers a bare 404.
  if (serviceId !== undefined && !svc) failStatus = 404;
  const pcId = str(v.plugin_config_id);
  const pc = pcId !== undefined ? items.get('plugin_configs', pcId) : undefined;
  // apisix/init.lua: "failed to fetch plugin config by id" → 503.
  if (pcId !== undefined && !pc) failStatus ??= 503;

  const chain = Chain.of(layer(svc?.plugins, fillMissing(route.plugins, pc?.plugins)));

  let upstream: UpstreamRuntime | undefined;
  let upstreamKey: string | undefined;
  let upConf: unknown;
  if (v.upstream !== undefined) {
    upConf = v.upstream;
    // Identical inline upstreams share one runtime: one connection pool per set of nodes
    // instead of one per route (10k routes to one backend = one pool).
    upstreamKey = `inline:${JSON.stringify(v.upstream)}`;
  } else {
    const upId = upstreamIdOf(v, svc);
    if (upId !== undefined) {
      const up = items.get('upstreams', upId);
      if (up) {
        upConf = up.value;
        upstreamKey = `${up.key}#${up.modRevision}`;
      } else {
        warn('failed to find upstream by id', { route_id: route.id, upstream_id: upId });
        failStatus ??= 502;
      }
    } else if (svc && svc.value.upstream !== undefined) {
      upConf = svc.value.upstream;
      upstreamKey = `inline:${JSON.stringify(svc.value.upstream)}`;
    }
  }
  if (upstreamKey !== undefined) {
    try {
      upstream = upstreams.get(upstreamKey, upConf);
    } catch (e) {
      warn('invalid upstream', { route_id: route.id, err: (e as Error).message });
      upstreamKey = undefined;
    }
  }
  const baseTimeouts = upstream?.timeouts;
  const timeouts = v.timeout !== undefined ? timeoutsOf(v.timeout, baseTimeouts) : undefined;

  const uris = typeof v.uri === 'string' ? [v.uri] : (strList(v.uris) ?? []);
  const hosts = typeof v.host === 'string' ? [v.host] : (strList(v.hosts) ?? strList(svc?.value.hosts));
  const remoteAddrs = typeof v.remote_addr === 'string' ? [v.remote_addr] : strList(v.remote_addrs);
  return {
    id: route.id,
    key: route.key,
    name: str(v.name),
    serviceId,
    serviceName: str(svc?.value.name),
    chain,
    upstream,
    upstreamKey,
    timeouts,
    failStatus,
    sig,
    spec: {
      id: route.id,
      uris,
      methods: strList(v.methods),
      hosts,
      priority: typeof v.priority === 'number' ? v.priority : 0,
      remoteAddrs,
      vars: v.vars,
      handle: route.id,
    },
  };
}
