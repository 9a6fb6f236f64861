/**
 * Process entry of the data plane: `node dist/main.js [conf/config.yaml]` (or PORTICO_CONF).
 * The first process is the primary (status API, worker supervision, drain); node:cluster
 * re-runs this file for each of nginx_config.worker_processes workers, which proxy.
 */
import cluster from 'node:cluster';
import { loadConf } from '@portico/conf';
import { createLogger } from './logging/logger.js';

const logger = createLogger();

async function main(): Promise<void> {
  const conf = await loadConf(process.argv[2]);
  if (conf.deployment.role === 'control_plane') {
    // APISIX renders no proxy server for a control plane (apisix/cli/ngx_tpl.lua); the
    // process has nothing to run. Exit 0: it is a configuration, not a failure.
    console.error(
      `portico data plane: deployment.role is control_plane in ${conf.path}: a control plane runs only the Admin API (apps/admin), so the data plane does not start`,
    );
    process.exit(0);
  }
  if (!cluster.isPrimary) {
    const { runWorker } = await import('./cluster/worker.js');
    await runWorker(conf, logger);
    return;
  }
  const { runPrimary } = await import('./cluster/primary.js');
  const primary = await runPrimary(conf, logger);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(sig, () => void primary.shutdown(sig));
}

main().catch((e: unknown) => {
  logger.error({ err: (e as Error).message, stack: (e as Error).stack }, 'data plane failed to start');
  // Give pino's async destination a moment to write the reason.
  setTimeout(() => process.exit(1), 100);
});
