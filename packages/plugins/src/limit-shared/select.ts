import cluster from 'node:cluster';
import { SharedLimitsClient } from './ipc-client.js';
import { SHARED_LIMITS_ENV } from './ipc-protocol.js';
import { LocalLimits, type LimitTables } from './local-limits.js';

let chosen: LimitTables | undefined;

/**
 * The tables behind `policy: local`, chosen once per process: in a cluster worker whose
 * primary hosts them (PORTICO_SHARED_LIMITS=1) the pod's tables over IPC; otherwise (single
 * process, one worker, unit tests) in-process, with no IPC at all.
 */
export function localLimitTables(): LimitTables {
  return (chosen ??= cluster.isWorker && process.env[SHARED_LIMITS_ENV] === '1' ? new SharedLimitsClient() : new LocalLimits());
}
