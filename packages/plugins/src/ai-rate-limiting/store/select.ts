import cluster from 'node:cluster';
import { SharedCounterClient } from './ipc-client.js';
import { SHARED_COUNTERS_ENV } from './ipc-protocol.js';
import { localCounterStore } from './local.js';
import type { CounterStore } from './types.js';

let chosen: CounterStore | undefined;

/**
 * The store behind `policy: local`, chosen once per process: in a cluster worker whose
 * primary hosts the counters (PORTICO_SHARED_COUNTERS=1, see hostSharedCounters) the pod's
 * counters over IPC; otherwise (single process, unit tests, a pod with one worker) the
 * in-process store, with no IPC at all.
 */
export function localPolicyStore(): CounterStore {
  return (chosen ??=
    cluster.isWorker && process.env[SHARED_COUNTERS_ENV] === '1' ? new SharedCounterClient() : localCounterStore);
}
