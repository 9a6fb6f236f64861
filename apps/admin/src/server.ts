/** Listening Admin API server, reusable by a combined "traditional" launcher. */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { PorticoConf } from '@portico/conf';
import type { ConfigStore } from '@portico/config-store';
import type { Logger, PluginDefinition } from '@portico/plugin-sdk';
import { buildAdminApp } from './app.js';
import { syncPluginList } from './plugins-sync.js';
import { AdminStore } from './store-ops.js';

export interface StartAdminOptions {
  store: ConfigStore;
  plugins: readonly PluginDefinition[];
  logger: Logger;
  /** Override deployment.admin.admin_listen (tests use port 0). */
  listen?: { ip: string; port: number };
}

export interface RunningAdmin {
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/** Start the Admin API on `deployment.admin.admin_listen` and publish the plugin list key. */
export async function startAdmin(conf: PorticoConf, opts: StartAdminOptions): Promise<RunningAdmin> {
  // traditional + config_provider yaml: API-driven standalone, no etcd (apisix/admin/standalone.lua).
  const standalone = conf.deployment.configProvider !== 'etcd';
  const app = buildAdminApp({
    store: opts.store,
    conf,
    plugins: opts.plugins,
    logger: opts.logger,
    ...(standalone ? { standaloneFile: conf.deployment.standaloneFile } : {}),
  });
  try {
    if (!standalone) await syncPluginList(new AdminStore(opts.store, conf.deployment.etcd.prefix), opts.plugins);
  } catch (e) {
    // APISIX only logs this failure; the admin still serves requests.
    opts.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'failed to sync plugin list');
  }
  const listen = opts.listen ?? conf.deployment.admin.adminListen;
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: listen.port, hostname: listen.ip }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  opts.logger.info({ ip: listen.ip, port }, 'admin API listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
