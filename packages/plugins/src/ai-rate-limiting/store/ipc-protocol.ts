/**
 * IPC protocol of the pod-wide `policy: local` counters: workers ask the cluster primary,
 * which holds the one LocalCounterStore of the pod (APISIX keeps these counters in a
 * lua_shared_dict shared by every nginx worker). Messages carry a `portico` tag of their own,
 * so the data plane's other IPC traffic (apps/data-plane/src/cluster/messages.ts) and any
 * other process.send user ignore them, and these handlers ignore everything else.
 */

/** Set to "1" in the environment of workers forked after the primary called hostSharedCounters(). */
export const SHARED_COUNTERS_ENV = 'PORTICO_SHARED_COUNTERS';

/** Tag of a worker → primary counter request. */
export const COUNTER_REQUEST = 'ai-rl-counter?';
/** Tag of a primary → worker counter reply. */
export const COUNTER_REPLY = 'ai-rl-counter';

/** worker → primary: `incoming(key, window, cost)` on the pod's counters. */
export interface CounterRequest {
  portico: typeof COUNTER_REQUEST;
  id: number;
  key: string;
  window: number;
  cost: number;
}

/**
 * primary → worker: the counter state (field names of CounterState, so the reply itself is
 * handed to the caller) or the reason the primary could not count.
 */
export type CounterReply =
  | { portico: typeof COUNTER_REPLY; id: number; consumed: number; ttlMs: number }
  | { portico: typeof COUNTER_REPLY; id: number; error: string };

function tag(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? (v as { portico?: unknown }).portico : undefined;
}

/** Narrow an IPC payload to a counter request (tag and id; see {@link counterRequestError}). */
export function isCounterRequest(v: unknown): v is CounterRequest {
  return tag(v) === COUNTER_REQUEST && typeof (v as { id?: unknown }).id === 'number';
}

/** Why a tagged request cannot be counted, or undefined when it is well formed. */
export function counterRequestError(m: CounterRequest): string | undefined {
  if (typeof m.key !== 'string') return 'counter key must be a string';
  if (typeof m.window !== 'number' || !(m.window > 0)) return 'counter window must be a positive number';
  if (typeof m.cost !== 'number' || !Number.isFinite(m.cost) || m.cost < 0) return 'counter cost must be a number >= 0';
  return undefined;
}

/** Narrow an IPC payload to a counter reply. */
export function isCounterReply(v: unknown): v is CounterReply {
  return tag(v) === COUNTER_REPLY && typeof (v as { id?: unknown }).id === 'number';
}
