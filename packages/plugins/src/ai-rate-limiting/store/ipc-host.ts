import cluster from 'node:cluster';
import { servePodRequests } from '../../pod-shared/rpc-host.js';
import { LocalCounterStore } from './local.js';
import {
  COUNTER_REPLY,
  counterRequestError,
  isCounterRequest,
  SHARED_COUNTERS_ENV,
  type CounterReply,
  type CounterRequest,
} from './ipc-protocol.js';
import type { CounterStore } from './types.js';

/** The counters hosted by a cluster primary. */
export interface SharedCountersHost {
  /** The pod's counters (a LocalCounterStore unless one was passed in). */
  readonly store: CounterStore;
  /** Stop answering (workers forked afterwards still inherit the env flag). */
  close(): void;
}

/** The host of this process, if any. */
let current: SharedCountersHost | undefined;

async function answer(store: CounterStore, msg: CounterRequest): Promise<CounterReply> {
  const invalid = counterRequestError(msg);
  if (invalid !== undefined) return { portico: COUNTER_REPLY, id: msg.id, error: invalid };
  try {
    const s = await store.incoming(msg.key, msg.window, msg.cost);
    return { portico: COUNTER_REPLY, id: msg.id, consumed: s.consumed, ttlMs: s.ttlMs };
  } catch (err) {
    return { portico: COUNTER_REPLY, id: msg.id, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Host the pod's `policy: local` ai-rate-limiting counters in this cluster primary, for
 * every worker (APISIX: one lua_shared_dict per node, shared by its nginx workers). Call it
 * before forking: it sets PORTICO_SHARED_COUNTERS=1 in process.env, which node:cluster
 * passes to each worker forked from now on, and workers seeing it send their counter calls
 * here over IPC. It listens on cluster's 'message' event, so workers restarted later are
 * answered too, and counters survive a worker's crash as the shared dict does.
 */
export function hostSharedCounters(store: CounterStore = new LocalCounterStore()): SharedCountersHost {
  if (!cluster.isPrimary) throw new Error('hostSharedCounters() must run in the cluster primary');
  // Idempotent: a second listener would count every request twice.
  if (current !== undefined) return current;
  process.env[SHARED_COUNTERS_ENV] = '1';
  const stop = servePodRequests(isCounterRequest, (msg) => answer(store, msg));
  const host: SharedCountersHost = {
    store,
    close: () => {
      stop();
      if (current === host) current = undefined;
    },
  };
  return (current = host);
}
