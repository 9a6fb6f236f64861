/** Test helpers for the auth plugins: a request context with a consumer directory over real confs. */
import type { AuthMatch, ConsumerInfo, PluginModule, Reply } from '@portico/plugin-sdk';
import { checkPluginConf } from '@portico/schemas';
import { expect } from 'vitest';
import { fakeContext, type FakeContext, type FakeContextInit } from '../testing/fake-context.js';

export interface AuthEntry {
  username: string;
  /** The consumer- or credential-level conf of the plugin under test (validated, defaults applied). */
  conf: Record<string, unknown>;
  credentialId?: string;
  groupId?: string;
}

export interface AuthCtxInit extends FakeContextInit {
  /** Raw request target, for $request_uri (defaults to uri + ?rawQuery). */
  requestUri?: string;
  serviceId?: string;
  routeId?: string;
}

export function consumer(username: string, extra: Partial<ConsumerInfo> = {}): ConsumerInfo {
  return { username, plugins: {}, key: `/apisix/consumers/${username}`, ...extra };
}

/** Validate a consumer conf as the admin and data plane do (defaults applied); fails the test when invalid. */
export function consumerConf(plugin: PluginModule, conf: Record<string, unknown>): Record<string, unknown> {
  const c = structuredClone(conf);
  expect(checkPluginConf(plugin, c, 'consumer')).toBeUndefined();
  return c;
}

/** Validate a route conf and prepare its state. */
export function routeState<S>(plugin: PluginModule<unknown, S>, conf: Record<string, unknown> = {}): S {
  const c = structuredClone(conf);
  expect(checkPluginConf(plugin, c, 'route')).toBeUndefined();
  return plugin.prepare!(c, { resourceKey: '/apisix/routes/1', scope: 'route', services: {} as never });
}

function parseArgs(q: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of q.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    if (!m.has(k)) m.set(k, eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1)));
  }
  return m;
}

function parseCookies(h: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of (h ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && !m.has(part.slice(0, eq).trim())) m.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return m;
}

/**
 * A context whose directory knows `entries` for `plugin`/`attr` (and every username for
 * anonymous lookups), with $arg_*, $cookie_*, $request_uri and $service_id computed from it.
 */
export function authCtx(plugin: string, attr: string, entries: readonly AuthEntry[], init: AuthCtxInit = {}): FakeContext {
  const ctx = fakeContext({ method: 'GET', ...init });
  const infos = new Map<string, ConsumerInfo>();
  const index = new Map<string, AuthMatch>();
  for (const e of entries) {
    const base = infos.get(e.username) ?? consumer(e.username, e.groupId === undefined ? {} : { groupId: e.groupId });
    infos.set(e.username, base);
    const info = e.credentialId === undefined ? base : { ...base, credentialId: e.credentialId };
    const v = e.conf[attr];
    if (typeof v === 'string') index.set(v, { consumer: info, conf: e.conf });
  }
  const requestUri = init.requestUri ?? `${init.uri ?? '/anything'}${init.rawQuery ? `?${init.rawQuery}` : ''}`;
  const builtins = (n: string): string | undefined => {
    if (n.startsWith('arg_')) return parseArgs(ctx.rawQuery).get(n.slice(4));
    if (n.startsWith('cookie_')) {
      const c = ctx.headers.cookie;
      return parseCookies(Array.isArray(c) ? c[0] : c).get(n.slice(7));
    }
    if (n === 'request_uri') return requestUri;
    if (n === 'service_id') return init.serviceId;
    return undefined;
  };
  const set = ctx.vars.set.bind(ctx.vars);
  const get = ctx.vars.get.bind(ctx.vars);
  Object.assign(ctx.vars, { get: (n: string) => get(n) ?? builtins(n), set });
  Object.assign(ctx, {
    routeId: init.routeId ?? '1',
    consumers: {
      findCredential: (p: string, a: string, value: string) => (p === plugin && a === attr ? index.get(value) : undefined),
      findByAuth: (p: string, a: string, value: string) => (p === plugin && a === attr ? index.get(value)?.consumer : undefined),
      byUsername: (u: string) => infos.get(u),
    },
  });
  return ctx;
}

/** The reply as the client sees the body (JSON + "\n"). */
export function bodyText(reply: Reply | undefined | void): string | undefined {
  return reply?.body === undefined ? undefined : `${JSON.stringify(reply.body)}\n`;
}

/** No captured log line mentions `secret` (message or fields). */
export function expectNoSecretInLogs(ctx: FakeContext, ...secrets: string[]): void {
  const text = JSON.stringify(ctx.logs);
  for (const s of secrets) expect(text).not.toContain(s);
}
