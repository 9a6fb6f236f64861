import type { RuntimeStats } from './runtime-stats.js';

/**
 * IPC between the data-plane primary and its workers (node:cluster channel). Every message
 * carries a `portico` tag so that unrelated messages (node's own cluster traffic is internal,
 * but plugins could use process.send) are ignored.
 */

/** worker → primary: the worker runs and its config sync started (APISIX: init_worker done). */
export interface StartedMsg {
  portico: 'started';
}

/** worker → primary: the HTTP listener is bound (the worker takes traffic). */
export interface ListeningMsg {
  portico: 'listening';
}

/** worker → primary: the first full configuration load is served (APISIX's status report). */
export interface ReadyMsg {
  portico: 'ready';
  revision: number;
}

/** worker → primary: answer to a {@link RevisionQuery}. */
export interface RevisionReply {
  portico: 'revision';
  seq: number;
  revision: number;
  /** Memory and event-loop delay of the worker (absent from workers that predate it). */
  runtime?: RuntimeStats;
}

/** primary → worker: report the applied etcd revision. */
export interface RevisionQuery {
  portico: 'revision?';
  seq: number;
}

/** primary → worker: open the listener (every worker of the pod has loaded its configuration). */
export interface ListenMsg {
  portico: 'listen';
}

/** primary → worker: stop accepting and finish in-flight requests within `deadlineMs`. */
export interface DrainMsg {
  portico: 'drain';
  deadlineMs: number;
}

export type WorkerToPrimary = StartedMsg | ListeningMsg | ReadyMsg | RevisionReply;
export type PrimaryToWorker = RevisionQuery | ListenMsg | DrainMsg;

const FROM_WORKER = new Set(['started', 'listening', 'ready', 'revision']);
const FROM_PRIMARY = new Set(['revision?', 'listen', 'drain']);

function tagged(v: unknown): v is { portico: string } {
  return v !== null && typeof v === 'object' && typeof (v as { portico?: unknown }).portico === 'string';
}

/** Narrow an IPC payload from a worker. */
export function isWorkerMessage(v: unknown): v is WorkerToPrimary {
  return tagged(v) && FROM_WORKER.has(v.portico);
}

/** Narrow an IPC payload from the primary. */
export function isPrimaryMessage(v: unknown): v is PrimaryToWorker {
  return tagged(v) && FROM_PRIMARY.has(v.portico);
}
