import { processChannel, type PodChannel } from '../pod-shared/channel.js';
import { PodRpcClient } from '../pod-shared/rpc-client.js';
import { isLimitsReply, LIMITS_REQUEST, type LimitsReply, type LimitsRequest } from './ipc-protocol.js';
import type { LeakyOutcome, LimitTables, SlidingOutcome } from './local-limits.js';

/** Stable codes of {@link SharedLimitsError}. */
export type SharedLimitsErrorCode = 'LIMITS_IPC_CLOSED' | 'LIMITS_IPC_TIMEOUT' | 'LIMITS_HOST_ERROR';

/** A pod-shared limits call that got no answer; the plugin applies `allow_degradation` to it. */
export class SharedLimitsError extends Error {
  constructor(
    readonly code: SharedLimitsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SharedLimitsError';
  }
}

type Body = LimitsRequest extends infer R ? (R extends LimitsRequest ? Omit<R, 'portico' | 'id'> : never) : never;

/** A cluster worker's view of the LocalLimits its primary holds: one IPC round trip per call. */
export class SharedLimitsClient implements LimitTables {
  private readonly rpc: PodRpcClient<LimitsRequest, LimitsReply>;

  constructor(channel: PodChannel<LimitsRequest> = processChannel, timeoutMs = 1000) {
    this.rpc = new PodRpcClient(channel, isLimitsReply, timeoutMs, {
      closed: () => new SharedLimitsError('LIMITS_IPC_CLOSED', 'shared limits unavailable: IPC channel to the primary is closed'),
      timeout: (ms) => new SharedLimitsError('LIMITS_IPC_TIMEOUT', `shared limits: no answer from the primary within ${ms} ms`),
    });
  }

  private call<T>(body: Body): Promise<T> {
    return this.rpc
      .call((id) => ({ portico: LIMITS_REQUEST, id, ...body }) as LimitsRequest)
      .then((reply) => {
        if ('error' in reply) throw new SharedLimitsError('LIMITS_HOST_ERROR', `shared limits: ${reply.error}`);
        return reply.result as T;
      });
  }

  leaky(key: string, rate: number, burst: number, commit: boolean): Promise<LeakyOutcome> {
    return this.call({ op: 'leaky', key, rate, burst, commit });
  }

  connIn(key: string, max: number): Promise<number | 'rejected'> {
    let token = 0;
    return this.rpc
      .call((id) => ((token = id), { portico: LIMITS_REQUEST, id, op: 'connIn', key, max }))
      .then(
        (reply) => {
          if ('error' in reply) throw new SharedLimitsError('LIMITS_HOST_ERROR', `shared limits: ${reply.error}`);
          return reply.result as number | 'rejected';
        },
        (err: unknown) => {
          // The primary may still count this request in after we gave up: IPC keeps order, so a
          // cancel sent now reaches it afterwards and counts the slot out again (never leaked).
          if (err instanceof SharedLimitsError && err.code === 'LIMITS_IPC_TIMEOUT') {
            this.call({ op: 'connCancel', key, token }).catch(() => undefined);
          }
          throw err;
        },
      );
  }

  connOut(key: string): Promise<number> {
    return this.call({ op: 'connOut', key });
  }

  sliding(key: string, limit: number, windowSec: number, cost: number): Promise<SlidingOutcome> {
    return this.call({ op: 'sliding', key, limit, window: windowSec, cost });
  }

  /** Calls awaiting an answer (for tests and diagnostics). */
  get inFlight(): number {
    return this.rpc.inFlight;
  }
}
