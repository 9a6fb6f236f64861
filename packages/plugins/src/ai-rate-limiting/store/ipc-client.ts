import { processChannel as podChannel, type PodChannel } from '../../pod-shared/channel.js';
import { PodRpcClient } from '../../pod-shared/rpc-client.js';
import { COUNTER_REQUEST, isCounterReply, type CounterReply, type CounterRequest } from './ipc-protocol.js';
import type { CounterState, CounterStore } from './types.js';

/** Stable codes of {@link SharedCounterError}. */
export type SharedCounterErrorCode = 'COUNTER_IPC_CLOSED' | 'COUNTER_IPC_TIMEOUT' | 'COUNTER_HOST_ERROR';

/** A shared-counter call that got no answer; the plugin applies `allow_degradation` to it. */
export class SharedCounterError extends Error {
  constructor(
    readonly code: SharedCounterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SharedCounterError';
  }
}

/** The worker's end of the IPC channel to the primary (process.send / process.on('message')). */
export type CounterChannel = PodChannel<CounterRequest>;

/** This process's IPC channel to its parent (the cluster primary). */
export const processChannel: CounterChannel = podChannel;

/**
 * `policy: local` counters of a cluster worker, kept by the primary (one LocalCounterStore
 * for the pod, as APISIX's lua_shared_dict is one per node): one IPC round trip per
 * `incoming` (pod-shared/rpc-client.ts). A request unanswered within `timeoutMs` (primary
 * busy or gone) rejects with a SharedCounterError, which the plugin treats like any store
 * error (`allow_degradation`).
 */
export class SharedCounterClient implements CounterStore {
  private readonly rpc: PodRpcClient<CounterRequest, CounterReply>;

  constructor(channel: CounterChannel = processChannel, timeoutMs = 1000) {
    this.rpc = new PodRpcClient(channel, isCounterReply, timeoutMs, {
      closed: () =>
        new SharedCounterError('COUNTER_IPC_CLOSED', 'shared counters unavailable: IPC channel to the primary is closed'),
      timeout: (ms) =>
        new SharedCounterError('COUNTER_IPC_TIMEOUT', `shared counters: no answer from the primary within ${ms} ms`),
    });
  }

  incoming(key: string, windowSec: number, cost: number): Promise<CounterState> {
    return this.rpc
      .call((id) => ({ portico: COUNTER_REQUEST, id, key, window: windowSec, cost }))
      .then((reply) => {
        if ('error' in reply) throw new SharedCounterError('COUNTER_HOST_ERROR', `shared counters: ${reply.error}`);
        return reply;
      });
  }

  /** Requests awaiting an answer (for tests and diagnostics). */
  get inFlight(): number {
    return this.rpc.inFlight;
  }

  release(): void {
    // Process-wide singleton: counters live in the primary and outlive config revisions.
  }
}
