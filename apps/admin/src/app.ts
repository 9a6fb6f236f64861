/**
 * The Admin API application (apisix/init.lua http_admin + apisix/admin/init.lua). Pure: no I/O
 * at import or construction. Request pipeline order follows APISIX exactly (see dispatch()).
 */
import { compileAllowList, type PorticoConf } from '@portico/conf';
import type { ConfigStore } from '@portico/config-store';
import { indexPlugins, nginxErrorPage } from '@portico/plugin-helpers';
import type { Logger, PluginDefinition } from '@portico/plugin-sdk';
import { childKindAt, resourceKind } from '@portico/schemas';
import { Hono, type Context } from 'hono';
import { checkToken } from './auth.js';
import { readJsonBody } from './body.js';
import type { AdminContext, Method } from './context.js';
import { PREFLIGHT_HEADERS } from './cors.js';
import { AdminError, earlyFail } from './errors.js';
import { pluginSchema, pluginsList } from './handlers/plugins.js';
import { coreSchema, validateAgainst } from './handlers/schema.js';
import { syncPluginList } from './plugins-sync.js';
import { ResourceHandler } from './resource-handler.js';
import { Responder } from './respond.js';
import { StandaloneConfigs } from './standalone/configs.js';
import { handleConfigs, validateConfigs } from './standalone/routes.js';
import { AdminStore } from './store-ops.js';

export interface AdminDeps {
  store: ConfigStore;
  conf: PorticoConf;
  plugins: readonly PluginDefinition[];
  logger: Logger;
  /**
   * API-driven standalone mode: the configuration is replaced whole through
   * `/apisix/admin/configs` and written to this file, which the data plane follows.
   */
  standaloneFile?: string;
  /** Epoch seconds for create_time/update_time (tests pin it). */
  now?: () => number;
}

interface NodeEnv {
  incoming?: { socket?: { remoteAddress?: string } };
}

const RESOURCE_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'PATCH']);

/** Split like ngx.re.split(uri, "/"): trailing empty segments dropped. Index 0 is "". */
function splitUri(path: string): string[] {
  const segs = path.split('/');
  while (segs.length > 1 && segs[segs.length - 1] === '') segs.pop();
  return segs;
}

/** nginx's error pages, as the admin server block answers a refused client or an unknown path. */
const FORBIDDEN_PAGE = String(nginxErrorPage(403));
const NOT_FOUND_PAGE = String(nginxErrorPage(404));

/** Build the Admin API Hono app. */
export function buildAdminApp(deps: AdminDeps): Hono {
  const { conf, logger } = deps;
  const admin = conf.deployment.admin;
  const byName = indexPlugins(deps.plugins);
  const ctx: AdminContext = {
    store: new AdminStore(deps.store, conf.deployment.etcd.prefix),
    plugin: (n) => byName.get(n),
    plugins: deps.plugins,
    keyring: conf.apisix.dataEncryption.enableEncryptFields ? conf.apisix.dataEncryption.keyring : undefined,
  };
  const handler = new ResourceHandler(ctx, deps.now);
  const configs =
    deps.standaloneFile === undefined ? undefined : new StandaloneConfigs(ctx, deps.standaloneFile, deps.now, logger);
  const out = new Responder(conf);
  const allowed = compileAllowList(admin.allowAdmin);

  const auth = (c: Context, query: URLSearchParams): void => {
    const description = checkToken(conf, { method: c.req.method, query, header: (n) => c.req.header(n) });
    if (description !== undefined) throw earlyFail(401, { error_msg: 'failed to check token', description });
  };

  /** apisix/admin/init.lua run(): the generic `/apisix/admin/*` handler. */
  const run = async (c: Context, query: URLSearchParams): Promise<Response> => {
    auth(c, query);
    const segs = splitUri(c.req.path);
    let res = segs[3];
    let id = segs[4];
    let subPath = segs.slice(5).join('/');
    if (res === 'schema' && id === 'plugins') {
      res = segs[4];
      id = segs[5];
      subPath = segs.slice(6).join('/');
    }
    if (res === 'stream_routes' && !conf.apisix.proxyMode.includes('stream')) {
      throw earlyFail(400, { error_msg: 'stream mode is disabled, can not add stream routes' });
    }
    let parentId = '';
    // A child kind lives under its parent object: /consumers/<username>/credentials[/<id>].
    const child = res !== undefined && segs.length >= 6 ? childKindAt(res, segs[5]) : undefined;
    if (child) {
      parentId = id ?? '';
      res = child.name;
      id = segs[6];
      subPath = segs.slice(7).join('/');
    }
    const method = c.req.method.toLowerCase() as Method;
    const desc = res !== undefined ? resourceKind(res) : undefined;
    // A typed kind's id is `<type>/<id>` across two segments (secrets/vault/1, resource.lua split_typ_and_id).
    if (desc?.key.kind === 'typed' && id !== undefined) {
      const [rest, ...more] = subPath === '' ? [] : subPath.split('/');
      if (rest === undefined && method !== 'get' && !desc.unsupported.includes(method))
        throw earlyFail(400, { error_msg: 'no secret id' });
      if (rest !== undefined) id = `${id}/${rest}`;
      subPath = more.join('/');
    }
    if (!desc && res !== 'plugins' && res !== 'schema') {
      throw earlyFail(404, { error_msg: `Unsupported resource type: ${res ?? ''}` });
    }
    if (!desc && method !== 'get') throw earlyFail(404, { error_msg: 'not found' });
    const body = await readJsonBody(c.req.raw);
    const ttlArg = query.get('ttl');
    let ttl: number | undefined;
    if (ttlArg !== null) {
      ttl = ttlArg.trim() === '' ? NaN : Number(ttlArg);
      if (Number.isNaN(ttl)) throw earlyFail(400, { error_msg: 'invalid argument ttl: should be a number' });
    }
    if (res === 'plugins') return out.json(200, pluginSchema(ctx.plugin, deps.plugins, id, query), true);
    if (res === 'schema') return out.json(200, coreSchema(id), true);
    const r = await handler.handle(desc!, { method, id, parentId, subPath, body, query, ttl });
    return out.json(r.status, r.body, true);
  };

  const dispatch = async (c: Context): Promise<Response> => {
    const remote = (c.env as NodeEnv | undefined)?.incoming?.socket?.remoteAddress;
    if (remote !== undefined && !allowed(remote)) {
      return out.raw(403, FORBIDDEN_PAGE, { 'Content-Type': 'text/html' });
    }
    const method = c.req.method;
    if (method === 'OPTIONS' && admin.enableAdminCors) return out.raw(200, null, PREFLIGHT_HEADERS);
    const path = c.req.path;
    const query = new URL(c.req.url).searchParams;
    if (path === '/apisix/admin' && method === 'HEAD') return out.json(200, undefined, false);
    if (path === '/apisix/admin/configs/validate' && method === 'POST') {
      auth(c, query);
      const r = await validateConfigs(ctx, c.req.raw);
      return out.raw(r.status, r.body ?? null, r.headers);
    }
    if (configs) {
      // Standalone: only the configs endpoints exist (apisix/admin/init.lua standalone_uri_route).
      if (path !== '/apisix/admin/configs') return out.raw(404, NOT_FOUND_PAGE, { 'Content-Type': 'text/html' });
      auth(c, query);
      const r = await handleConfigs(configs, c.req.raw);
      return out.raw(r.status, r.body ?? null, r.headers);
    }
    if (path === '/apisix/admin/plugins/list' && method === 'GET') {
      auth(c, query);
      return out.json(200, pluginsList(deps.plugins, query), false);
    }
    if (path === '/apisix/admin/plugins/reload' && method !== 'HEAD' && RESOURCE_METHODS.has(method)) {
      auth(c, query);
      if (method !== 'PUT') {
        throw earlyFail(405, { error_msg: `please use PUT method to reload the plugins, ${method} method is not allowed.` });
      }
      await syncPluginList(ctx.store, deps.plugins);
      return out.json(200, 'done', false);
    }
    if (path.startsWith('/apisix/admin/schema/validate/') && method === 'POST') {
      auth(c, query);
      const res = splitUri(path)[5];
      const desc = res !== undefined ? resourceKind(res) : undefined;
      if (!desc) throw earlyFail(404, { error_msg: `Unsupported resource type: ${res ?? ''}` });
      validateAgainst(desc, await readJsonBody(c.req.raw));
      return out.json(200, undefined, false);
    }
    if (path.startsWith('/apisix/admin/') && RESOURCE_METHODS.has(method)) return run(c, query);
    return out.raw(404, NOT_FOUND_PAGE, { 'Content-Type': 'text/html' });
  };

  const app = new Hono();
  app.all('*', dispatch);
  // The one place typed errors become HTTP responses. Client errors and store faults (503) are
  // AdminErrors; anything else is a server fault: logged with its stack, never sent.
  app.onError((err, c) => {
    if (err instanceof AdminError) return out.json(err.status, err.body, err.versioned);
    const detail = err instanceof Error ? { err: err.message, stack: err.stack } : { err: String(err) };
    logger.error({ ...detail, method: c.req.method, path: c.req.path }, 'admin request failed');
    return out.json(500, { error_msg: 'internal server error' }, false);
  });
  return app;
}
