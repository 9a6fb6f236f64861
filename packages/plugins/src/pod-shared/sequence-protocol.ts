import { podTag } from './channel.js';

/**
 * IPC protocol of the pod-wide sequence numbers (one per key, held by the cluster primary):
 * ai-proxy-multi's weighted round robin takes its position from them so that every worker
 * of a pod walks one sequence.
 */

/** Set to "1" in the environment of workers forked after the primary called hostSharedSequences(). */
export const SHARED_SEQUENCES_ENV = 'PORTICO_SHARED_SEQUENCES';

/** Tag of a worker → primary `next(key)` request. */
export const SEQUENCE_REQUEST = 'pod-seq?';
/** Tag of a primary → worker reply. */
export const SEQUENCE_REPLY = 'pod-seq';

/** worker → primary: take the next number of sequence `key`. */
export interface SequenceRequest {
  portico: typeof SEQUENCE_REQUEST;
  id: number;
  key: string;
}

/** primary → worker: the number taken, or why none was. */
export type SequenceReply =
  | { portico: typeof SEQUENCE_REPLY; id: number; n: number }
  | { portico: typeof SEQUENCE_REPLY; id: number; error: string };

/** Narrow an IPC payload to a sequence request (the key is checked by the host). */
export function isSequenceRequest(v: unknown): v is SequenceRequest {
  return podTag(v) === SEQUENCE_REQUEST && typeof (v as { id?: unknown }).id === 'number';
}

/** Narrow an IPC payload to a sequence reply. */
export function isSequenceReply(v: unknown): v is SequenceReply {
  return podTag(v) === SEQUENCE_REPLY && typeof (v as { id?: unknown }).id === 'number';
}
