import type { PorticoConf } from '@portico/conf';

/** nginx_config.worker_shutdown_timeout in ms (APISIX default 240 s). */
export function drainDeadlineMs(conf: PorticoConf): number {
  return Math.round((conf.nginxConfig.workerShutdownTimeout ?? 240) * 1000);
}
