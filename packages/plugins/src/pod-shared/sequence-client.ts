import cluster from 'node:cluster';
import { processChannel, type PodChannel } from './channel.js';
import { PodRpcClient } from './rpc-client.js';
import {
  isSequenceReply,
  SEQUENCE_REQUEST,
  SHARED_SEQUENCES_ENV,
  type SequenceReply,
  type SequenceRequest,
} from './sequence-protocol.js';

/** Stable codes of {@link SharedSequenceError}. */
export type SharedSequenceErrorCode = 'SEQUENCE_IPC_CLOSED' | 'SEQUENCE_IPC_TIMEOUT' | 'SEQUENCE_HOST_ERROR';

/** A `next` call the primary did not answer with a number; callers use a local position instead. */
export class SharedSequenceError extends Error {
  constructor(
    readonly code: SharedSequenceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SharedSequenceError';
  }
}

/** Pod-wide sequence numbers. */
export interface PodSequences {
  /** The next number of sequence `key`; rejects with a SharedSequenceError. */
  next(key: string): Promise<number>;
}

/**
 * Default wait for the primary. Short: a pick waits for it, and a missed answer only costs
 * fairness (the caller falls back to its local sequence), never the request.
 */
export const SEQUENCE_TIMEOUT_MS = 250;

/** A cluster worker's view of the sequences its primary hosts: one IPC round trip per `next`. */
export class SharedSequenceClient implements PodSequences {
  private readonly rpc: PodRpcClient<SequenceRequest, SequenceReply>;

  constructor(channel: PodChannel<SequenceRequest> = processChannel, timeoutMs = SEQUENCE_TIMEOUT_MS) {
    this.rpc = new PodRpcClient(channel, isSequenceReply, timeoutMs, {
      closed: () =>
        new SharedSequenceError('SEQUENCE_IPC_CLOSED', 'shared sequences unavailable: IPC channel to the primary is closed'),
      timeout: (ms) =>
        new SharedSequenceError('SEQUENCE_IPC_TIMEOUT', `shared sequences: no answer from the primary within ${ms} ms`),
    });
  }

  next(key: string): Promise<number> {
    return this.rpc
      .call((id) => ({ portico: SEQUENCE_REQUEST, id, key }))
      .then((reply) => {
        if ('error' in reply) throw new SharedSequenceError('SEQUENCE_HOST_ERROR', `shared sequences: ${reply.error}`);
        return reply.n;
      });
  }

  /** Calls awaiting an answer (for tests and diagnostics). */
  get inFlight(): number {
    return this.rpc.inFlight;
  }
}

let chosen: PodSequences | null | undefined;

/**
 * The pod's sequences, chosen once per process: in a cluster worker whose primary hosts them
 * (PORTICO_SHARED_SEQUENCES=1, see hostSharedSequences) the IPC client; otherwise (single
 * process, one worker, unit tests) undefined, and callers keep their in-process position with
 * no IPC at all.
 */
export function podSequences(): PodSequences | undefined {
  if (chosen === undefined)
    chosen = cluster.isWorker && process.env[SHARED_SEQUENCES_ENV] === '1' ? new SharedSequenceClient() : null;
  return chosen ?? undefined;
}
