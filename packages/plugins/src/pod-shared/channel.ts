/**
 * The worker's end of the IPC channel to the cluster primary, for pod-shared state (the
 * data plane's equivalents of APISIX's per-node lua_shared_dict). Every message of this
 * module family carries a `portico` tag of its own, so apps/data-plane/src/cluster/messages.ts
 * and any other process.send user ignore them, and these handlers ignore everything else.
 */
export interface PodChannel<Req> {
  /** Send a request; false when the channel is closed (the primary is gone). */
  send(msg: Req): boolean;
  onMessage(fn: (msg: unknown) => void): void;
}

// One callback for every send: with a callback, a send racing a closing channel reports its
// error here instead of as an 'error' event on process (fatal without a listener); the
// request itself then times out.
const ignoreSendError = (): void => undefined;

/** This process's IPC channel to its parent (the cluster primary). */
export const processChannel: PodChannel<object> = {
  send(msg) {
    if (!process.connected || process.send === undefined) return false;
    process.send(msg, undefined, undefined, ignoreSendError);
    return true;
  },
  onMessage(fn) {
    process.on('message', fn);
  },
};

/** The `portico` tag of an IPC payload, if it has one. */
export function podTag(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? (v as { portico?: unknown }).portico : undefined;
}
