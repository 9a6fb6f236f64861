import { createServer, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { PorticoConf } from '@portico/conf';
import type { ConfigStore } from '@portico/config-store';
import type { Logger, PluginModule } from '@portico/plugin-sdk';
import { indexPlugins } from '@portico/plugin-helpers';
import { authSources } from '@portico/plugins/redact';
import { drainServer } from './drain.js';
import { TlsConnections } from './drain-tls.js';
import { SecretRefs } from '../secrets/secret-refs.js';
import { CertificateCache } from '../tls/certificate-cache.js';
import { createHttpsServer } from '../tls/https-server.js';
import { AccessLog } from '../logging/access-log.js';
import { Inflight } from '../snapshot/inflight.js';
import { createLogger } from '../logging/logger.js';
import { createHandler } from '../pipeline/handle.js';
import { UpstreamCache } from '../proxy/upstream-cache.js';
import { pluginUpstreams } from '../proxy/plugin-upstreams.js';
import { PluginPreparer, type ConfChecker } from '../snapshot/preparer.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { ConfigSync } from '../sync/config-sync.js';
import type { NodeStats } from '@portico/plugins/metrics';
import { etcdIndexes } from '../metrics/etcd-indexes.js';
import { ServerStats } from '../metrics/server-stats.js';

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
  /**
   * Do not listen yet: start the config sync only and let the caller open the port with
   * `listen()` (a cluster worker waits until every worker of the pod has loaded its config).
   */
  deferListen?: boolean;
}

export interface DataPlane {
  /** The bound port (0 until listening). */
  readonly port: number;
  /** Open the listener (at once unless `deferListen`); resolves with the bound port. */
  listen(): Promise<number>;
  /** Resolves once the first config snapshot is being served. */
  readonly ready: Promise<void>;
  /** Store revision of the config being served. */
  revision(): number;
  /** The snapshot being served (diagnostics and tests). */
  snapshot(): Snapshot | undefined;
  /** Connection/request counters and etcd sync state (prometheus node-level families). */
  nodeStats(): NodeStats;
  /**
   * Stop: no new connections, in-flight requests and streams finish for up to `deadlineMs`
   * (default 2000; the process passes nginx_config.worker_shutdown_timeout), then the rest
   * is closed.
   */
  close(opts?: { deadlineMs?: number }): Promise<void>;
}

/** Start a data plane: config sync + HTTP listener. Resolves once listening (unless deferListen). */
export async function startDataPlane(conf: PorticoConf, deps: DataPlaneDeps): Promise<DataPlane> {
  const logger = deps.logger ?? createLogger();
  const plugins = indexPlugins(deps.plugins);
  const keyring = conf.apisix.dataEncryption.enableEncryptFields ? conf.apisix.dataEncryption.keyring : [];
  // `$secret://` / `$env://` references in plugin confs, resolved off the request path.
  const secrets: SecretRefs = new SecretRefs({
    secretConf: (manager, id): Record<string, unknown> | undefined =>
      sync.current?.items.get('secrets', `${manager}/${id}`)?.value,
    logger,
    onChange: () => sync.reprepareSecretDependents(),
  });
  const preparer = new PluginPreparer({
    plugins,
    keyring,
    secrets,
    services: { logger, prefixDir: process.cwd(), upstreams: pluginUpstreams },
    ...(deps.checkConf ? { check: deps.checkConf } : {}),
  });
  const upstreams = new UpstreamCache(keyring);
  const certificates = new CertificateCache(keyring, conf.apisix.ssl.protocols, (msg, obj) => logger.warn(obj, msg));
  const inflight = new Inflight();
  const sync: ConfigSync = new ConfigSync({
    inflight,
    store: deps.store,
    prefix: conf.deployment.etcd.prefix.replace(/\/+$/, ''),
    preparer,
    upstreams,
    certificates,
    onSecretsChanged: () => secrets.secretsChanged(),
    logger,
    resyncDelayMs: conf.deployment.etcd.resyncDelay * 1000,
  });
  const http = conf.nginxConfig.http;
  const accessLog =
    http.accessLog === false
      ? undefined
      : new AccessLog({
          format: http.accessLogFormat,
          escape: http.accessLogFormatEscape,
          target: http.accessLog,
        });
  const serverHeader = conf.apisix.enableServerTokens ? `APISIX/${APISIX_VERSION}` : 'APISIX';
  const stats = new ServerStats();
  const handler = createHandler({
    current: () => sync.current,
    inflight,
    logger,
    serverHeader,
    stats,
    ...(accessLog ? { onDone: (ctx) => accessLog.write(ctx.vars, authSources(ctx)) } : {}),
  });
  // nginx keepalive_timeout 60s (APISIX default).
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, handler);
  stats.attach(server);
  // apisix.ssl.listen: HTTPS with the certificate of the current snapshot chosen per handshake.
  const https = conf.apisix.ssl.listen.map((addr) => {
    const tls = createHttpsServer(handler, {
      http2: addr.http2,
      certFor: (name) => sync.current?.certificates.match(name),
      onNoCert: (name) => logger.warn({ sni: name }, 'failed to find any SSL certificate by SNI'),
    });
    stats.attach(tls);
    return { addr, server: tls, connections: new TlsConnections(tls) };
  });
  const addr = deps.listen ?? { port: conf.apisix.nodeListen[0]?.port ?? 9080, host: conf.apisix.nodeListen[0]?.ip };
  let port = 0;
  let listening: Promise<number> | undefined;
  const bind = (srv: NetServer, p: number, host: string | undefined): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(p, host, () => {
        srv.off('error', reject);
        resolve((srv.address() as AddressInfo).port);
      });
    });
  const listen = (): Promise<number> =>
    (listening ??= (async () => {
      port = await bind(server, addr.port, addr.host);
      const sslPorts = await Promise.all(https.map((h) => bind(h.server, h.addr.port, h.addr.ip)));
      logger.info({ port, ssl_ports: sslPorts, prefix: conf.deployment.etcd.prefix }, 'data plane listening');
      return port;
    })());
  if (!deps.deferListen) await listen();
  const ready = sync.start();

  let closing: Promise<void> | undefined;
  return {
    get port() {
      return port;
    },
    listen,
    ready,
    revision: () => sync.revision(),
    snapshot: () => sync.current,
    nodeStats() {
      const { requests, ...connections } = stats.snapshot();
      if (conf.deployment.configProvider !== 'etcd') return { connections, requests };
      return { connections, requests, etcd: { reachable: sync.reachable, indexes: etcdIndexes(sync.current) } };
    },
    close(opts) {
      closing ??= (async () => {
        const stopped = sync.stop();
        secrets.stop();
        const deadlineMs = opts?.deadlineMs ?? 2000;
        const [drained, ...tlsDrained] = await Promise.all([
          drainServer(server, deadlineMs),
          ...https.map((h) => (h.server.listening ? h.connections.drain(deadlineMs) : Promise.resolve({ forced: 0 }))),
        ]);
        for (const d of tlsDrained) drained.forced += d.forced;
        // A sync blocked on an unreachable etcd (a list waits up to deployment.etcd.timeout)
        // must not hold the process after its connections are gone.
        await Promise.race([stopped, new Promise((r) => setTimeout(r, 1000).unref())]);
        if (drained.forced > 0) logger.warn({ connections: drained.forced }, 'drain deadline reached, connections closed');
        upstreams.closeAll();
        preparer.sweep(() => false);
        await accessLog?.close();
      })();
      return closing;
    },
  };
}
