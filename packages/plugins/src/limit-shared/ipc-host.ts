import { servePodRequests } from '../pod-shared/rpc-host.js';
import { isLimitsRequest, LIMITS_REPLY, limitsRequestError, SHARED_LIMITS_ENV, type LimitsReply, type LimitsRequest } from './ipc-protocol.js';
import { LocalLimits } from './local-limits.js';

/** The limits state hosted by a cluster primary. */
export interface SharedLimitsHost {
  readonly limits: LocalLimits;
  /** Stop answering (workers forked afterwards still inherit the env flag). */
  close(): void;
}

let current: SharedLimitsHost | undefined;

function answer(limits: LocalLimits, m: LimitsRequest): LimitsReply {
  const invalid = limitsRequestError(m);
  if (invalid !== undefined) return { portico: LIMITS_REPLY, id: m.id, error: invalid };
  let result: unknown;
  switch (m.op) {
    case 'leaky':
      result = limits.leaky(m.key, m.rate, m.burst, m.commit);
      break;
    case 'connIn':
      result = limits.connIn(m.key, m.max);
      break;
    case 'connOut':
      result = limits.connOut(m.key);
      break;
    case 'sliding':
      result = limits.sliding(m.key, m.limit, m.window, m.cost);
      break;
  }
  return { portico: LIMITS_REPLY, id: m.id, result };
}

/**
 * Host the pod's `policy: local` limit-req / limit-conn / sliding limit-count state in this
 * cluster primary, for every worker (APISIX: lua_shared_dicts per node). Call it before
 * forking: it sets PORTICO_SHARED_LIMITS=1 in process.env, which node:cluster passes to each
 * worker forked from now on. Idempotent (a second listener would count twice).
 */
export function hostSharedLimits(limits: LocalLimits = new LocalLimits()): SharedLimitsHost {
  if (current !== undefined) return current;
  const stop = servePodRequests(isLimitsRequest, (m) => answer(limits, m));
  process.env[SHARED_LIMITS_ENV] = '1';
  const host: SharedLimitsHost = {
    limits,
    close: () => {
      stop();
      if (current === host) current = undefined;
    },
  };
  return (current = host);
}
