import cluster, { type Worker } from 'node:cluster';
import { LocalCounterStore } from './local.js';
import {
  COUNTER_REPLY,
  counterRequestError,
  isCounterRequest,
  SHARED_COUNTERS_ENV,
  type CounterReply,
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

// See ipc-client.ts: a reply racing a worker's exit must not become an 'error' event.
const ignoreSendError = (): void => undefined;

async function answer(store: CounterStore, worker: Worker, msg: unknown): Promise<void> {
  if (!isCounterRequest(msg)) return;
  let reply: CounterReply;
  const invalid = counterRequestError(msg);
  if (invalid !== undefined) {
    reply = { portico: COUNTER_REPLY, id: msg.id, error: invalid };
  } else {
    try {
      const s = await store.incoming(msg.key, msg.window, msg.cost);
      reply = { portico: COUNTER_REPLY, id: msg.id, consumed: s.consumed, ttlMs: s.ttlMs };
    } catch (err) {
      reply = { portico: COUNTER_REPLY, id: msg.id, error: err instanceof Error ? err.message : String(err) };
    }
  }
  if (worker.isConnected()) worker.send(reply, undefined, undefined, ignoreSendError);
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
  const onMessage = (worker: Worker, msg: unknown): void => void answer(store, worker, msg);
  cluster.on('message', onMessage);
  const host: SharedCountersHost = {
    store,
    close: () => {
      cluster.off('message', onMessage);
      if (current === host) current = undefined;
    },
  };
  return (current = host);
}
