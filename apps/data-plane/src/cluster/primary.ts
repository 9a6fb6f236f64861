import type { PorticoConf } from '@portico/conf';
import type { Logger } from '@portico/plugin-sdk';
import { readiness } from '../status/readiness.js';
import { startStatusServer, type StatusServer } from '../status/status-server.js';
import { clusterFork } from './fork.js';
import { WorkerPool, type ForkWorker } from './pool.js';
import { drainDeadlineMs } from './deadline.js';
import { APISIX_VERSION } from '../server/server.js';

/** Test seams of {@link runPrimary}. */
export interface PrimaryOptions {
  fork?: ForkWorker;
  /** Called instead of process.exit. */
  exit?: (code: number) => void;
}

/** A running primary. */
export interface Primary {
  pool: WorkerPool;
  status: StatusServer | undefined;
  /** Start the graceful drain (what SIGTERM does); resolves when every worker exited. */
  shutdown(reason: string): Promise<void>;
}

/**
 * The data plane's primary process (nginx's master): forks nginx_config.worker_processes
 * workers sharing the listen port, restarts crashed ones, serves the status API
 * (apisix.status, served by one process as APISIX serves it from its privileged agent) and
 * orchestrates the drain: on SIGTERM, SIGINT or SIGQUIT readiness turns 503 at once, workers
 * stop accepting and finish in-flight requests within worker_shutdown_timeout, then the
 * process exits 0. The primary never talks to etcd: each worker watches on its own.
 */
export async function runPrimary(conf: PorticoConf, logger: Logger, opts: PrimaryOptions = {}): Promise<Primary> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;
  let status: StatusServer | undefined;

  const pool: WorkerPool = new WorkerPool({
    size: conf.nginxConfig.workerProcesses,
    fork: opts.fork ?? clusterFork,
    logger,
    onFatal: (reason) => {
      logger.error({ reason }, 'data plane failed to start');
      void pool.drain(0, 1000).then(async () => {
        await status?.close();
        exit(1);
      });
    },
  });

  if (conf.apisix.status) {
    // Bound before any worker starts: a taken status port fails the start, not a probe later.
    status = await startStatusServer(conf.apisix.status, {
      readiness: () => readiness(pool.statuses(), pool.draining),
      revisions: () => pool.revisions(),
    });
  }
  // policy: local ai-rate-limiting / limit-* counters are one set per pod, as APISIX's lua_shared_dict
  // is per node, and ai-proxy-multi walks one round-robin sequence per pod: this process holds
  // both for every worker (before the first fork, whose env carries the flags). One worker
  // keeps them in-process, with no IPC.
  if (opts.fork === undefined && conf.nginxConfig.workerProcesses > 1) {
    const plugins = await import('@portico/plugins/pod-hosts');
    plugins.hostSharedCounters();
    plugins.hostSharedSequences();
    plugins.hostSharedLimits();
    plugins.hostSharedCooldowns(); // ai-routing: ai-proxy-multi cooldowns, one per pod
  }
  // prometheus: the pod's metric totals and the exporter on plugin_attr.prometheus.export_addr.
  const exporter =
    opts.fork === undefined
      ? await (await import('@portico/plugins/metrics')).startPrometheusExporter(conf.pluginAttr.prometheus, {
          logger,
          version: APISIX_VERSION,
        })
      : undefined;
  pool.start();
  logger.info(
    { workers: conf.nginxConfig.workerProcesses, status: conf.apisix.status, pid: process.pid },
    'data plane primary started',
  );

  const shutdown = (reason: string): Promise<void> =>
    (stopping ??= (async () => {
      const deadlineMs = drainDeadlineMs(conf);
      logger.info({ reason, deadlineMs }, 'data plane draining');
      await pool.drain(deadlineMs);
      await exporter?.close();
      await status?.close();
      logger.info({}, 'data plane drained');
      exit(0);
    })());
  return { pool, status, shutdown };
}
