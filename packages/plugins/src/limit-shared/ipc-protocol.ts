import { podTag } from '../pod-shared/channel.js';

/**
 * IPC protocol of the pod-wide `policy: local` state of limit-req, limit-conn and
 * sliding-window limit-count: workers ask the cluster primary, which holds the pod's one
 * LocalLimits (APISIX: lua_shared_dicts shared by a node's nginx workers).
 */

/** Set to "1" in the environment of workers forked after the primary called hostSharedLimits(). */
export const SHARED_LIMITS_ENV = 'PORTICO_SHARED_LIMITS';
/** Tag of a worker → primary request. */
export const LIMITS_REQUEST = 'pod-limits?';
/** Tag of a primary → worker reply. */
export const LIMITS_REPLY = 'pod-limits';

/** worker → primary: one LimitTables call. */
export type LimitsRequest = { portico: typeof LIMITS_REQUEST; id: number; key: string } & (
  | { op: 'leaky'; rate: number; burst: number; commit: boolean }
  | { op: 'connIn'; max: number }
  | { op: 'connOut' }
  /** The worker gave up waiting for connIn `token` (its request id): count it out if it was counted in. */
  | { op: 'connCancel'; token: number }
  | { op: 'sliding'; limit: number; window: number; cost: number }
);

/** primary → worker: the call's result, or why there is none. */
export type LimitsReply =
  | { portico: typeof LIMITS_REPLY; id: number; result: unknown }
  | { portico: typeof LIMITS_REPLY; id: number; error: string };

/** Narrow an IPC payload to a limits request (fields are checked by the host). */
export function isLimitsRequest(v: unknown): v is LimitsRequest {
  return podTag(v) === LIMITS_REQUEST && typeof (v as { id?: unknown }).id === 'number';
}

/** Narrow an IPC payload to a limits reply. */
export function isLimitsReply(v: unknown): v is LimitsReply {
  return podTag(v) === LIMITS_REPLY && typeof (v as { id?: unknown }).id === 'number';
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Why a tagged request cannot be answered, or undefined when it is well formed. */
export function limitsRequestError(m: LimitsRequest): string | undefined {
  if (typeof m.key !== 'string') return 'limit key must be a string';
  switch (m.op) {
    case 'leaky':
      return num(m.rate) && m.rate > 0 && num(m.burst) && m.burst >= 0 ? undefined : 'leaky bucket needs rate > 0 and burst >= 0';
    case 'connIn':
      return num(m.max) && m.max >= 1 ? undefined : 'connection limit must be >= 1';
    case 'connOut':
      return undefined;
    case 'connCancel':
      return num(m.token) ? undefined : 'cancel needs the token of a connIn';
    case 'sliding':
      return num(m.limit) && m.limit > 0 && num(m.window) && m.window > 0 && num(m.cost) && m.cost >= 0
        ? undefined
        : 'sliding window needs limit > 0, window > 0 and cost >= 0';
    default:
      return 'unknown limits op';
  }
}
