import { servePodRequests } from './rpc-host.js';
import { SEQUENCE_REPLY, SHARED_SEQUENCES_ENV, isSequenceRequest, type SequenceReply } from './sequence-protocol.js';
import { SequenceTable } from './sequence-table.js';

/** The sequences hosted by a cluster primary. */
export interface SharedSequencesHost {
  readonly table: SequenceTable;
  /** Stop answering (workers forked afterwards still inherit the env flag). */
  close(): void;
}

let current: SharedSequencesHost | undefined;

/**
 * Host the pod's sequence numbers in this cluster primary (ai-proxy-multi round-robin
 * positions: one weighted sequence per pod instead of one per worker). Call it before
 * forking: it sets PORTICO_SHARED_SEQUENCES=1 in process.env, which node:cluster passes to
 * every worker forked from now on; those workers take their positions here over IPC.
 * Idempotent (a second listener would answer every request twice).
 */
export function hostSharedSequences(table: SequenceTable = new SequenceTable()): SharedSequencesHost {
  if (current !== undefined) return current;
  const stop = servePodRequests(
    isSequenceRequest,
    (msg): SequenceReply =>
      typeof msg.key === 'string'
        ? { portico: SEQUENCE_REPLY, id: msg.id, n: table.next(msg.key) }
        : { portico: SEQUENCE_REPLY, id: msg.id, error: 'sequence key must be a string' },
  );
  process.env[SHARED_SEQUENCES_ENV] = '1';
  const host: SharedSequencesHost = {
    table,
    close: () => {
      stop();
      if (current === host) current = undefined;
    },
  };
  return (current = host);
}
