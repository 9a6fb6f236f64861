import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PorticoConf } from '@portico/conf';
import type { ConfigStore } from '@portico/config-store';
import type { Logger, PluginModule } from '@portico/plugin-sdk';
import { AccessLog } from './logging/access-log.js';
import { createLogger } from './logging/logger.js';
import { createHandler } from './pipeline/handle.js';
import { UpstreamCache } from './proxy/upstream-cache.js';
import { PluginPreparer, type ConfChecker } from './snapshot/preparer.js';
import type { Snapshot } from './snapshot/snapshot.js';
import { ConfigSync } from './sync/config-sync.js';

/** The APISIX version Portico reports (Server header), as ADC and dashboards read it. */
export const APISIX_VERSION = '3.16.0';

export interface DataPlaneDeps {
  store: ConfigStore;
  plugins: readonly PluginModule[];
  /** Override conf.apisix.nodeListen[0] (tests: `{ port: 0, host: '127.0.0.1' }`). */
  listen?: { port: number; host?: string };
  logger?: Logger;
  /** Plugin conf checker (defaults to @portico/schemas checkPluginConf). */
  checkConf?: ConfChecker;
}

export interface DataPlane {
  /** The bound port. */
  readonly port: number;
  /** Resolves once the first config snapshot is being served. */
  readonly ready: Promise<void>;
  /** Store revision of the config being served. */
  revision(): number;
  /** The snapshot being served (diagnostics and tests). */
  snapshot(): Snapshot | undefined;
  close(): Promise<void>;
}

/** Start a data plane: config sync + HTTP listener. Resolves once listening. */
export async function startDataPlane(conf: PorticoConf, deps: DataPlaneDeps): Promise<DataPlane> {
  const logger = deps.logger ?? createLogger();
  const plugins = new Map(deps.plugins.map((p) => [p.name, p]));
  const keyring = conf.apisix.dataEncryption.enableEncryptFields ? conf.apisix.dataEncryption.keyring : [];
  const preparer = new PluginPreparer({
    plugins,
    keyring,
    services: { logger, prefixDir: process.cwd() },
    ...(deps.checkConf ? { check: deps.checkConf } : {}),
  });
  const upstreams = new UpstreamCache();
  const sync = new ConfigSync({
    store: deps.store,
    prefix: conf.deployment.etcd.prefix.replace(/\/+$/, ''),
    preparer,
    upstreams,
    logger,
    resyncDelayMs: conf.deployment.etcd.resyncDelay * 1000,
  });
  const http = conf.nginxConfig.http;
  const accessLog = http.accessLog === false ? undefined : new AccessLog({
    format: http.accessLogFormat,
    escape: http.accessLogFormatEscape,
    target: http.accessLog,
  });
  const serverHeader = conf.apisix.enableServerTokens ? `APISIX/${APISIX_VERSION}` : 'APISIX';
  const handler = createHandler({
    current: () => sync.current,
    logger,
    serverHeader,
    ...(accessLog ? { onDone: (ctx) => accessLog.write(ctx.vars) } : {}),
  });
  // nginx keepalive_timeout 60s (APISIX default).
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, handler);
  const listen = deps.listen ?? { port: conf.apisix.nodeListen[0]?.port ?? 9080, host: conf.apisix.nodeListen[0]?.ip };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const ready = sync.start();
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, prefix: conf.deployment.etcd.prefix }, 'data plane listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    ready,
    revision: () => sync.revision(),
    snapshot: () => sync.current,
    close() {
      closing ??= (async () => {
        await sync.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        upstreams.closeAll();
        preparer.sweep(() => false);
        await accessLog?.close();
      })();
      return closing;
    },
  };
}
