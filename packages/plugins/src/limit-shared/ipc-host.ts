import cluster, { type Worker } from 'node:cluster';
import {
  isLimitsRequest,
  LIMITS_REPLY,
  limitsRequestError,
  SHARED_LIMITS_ENV,
  type LimitsReply,
  type LimitsRequest,
} from './ipc-protocol.js';
import { LocalLimits } from './local-limits.js';

/** The limits state hosted by a cluster primary. */
export interface SharedLimitsHost {
  readonly limits: LocalLimits;
  /** Stop answering (workers forked afterwards still inherit the env flag). */
  close(): void;
}

let current: SharedLimitsHost | undefined;
// See pod-shared/channel.ts: a reply racing a worker's exit must not become an 'error' event.
const ignoreSendError = (): void => undefined;

/** How long a connIn is remembered for a cancel (far beyond any client's IPC timeout). */
const CANCEL_WINDOW_MS = 60_000;

/** limit-conn slots each worker holds, so a worker that dies or gives up waiting does not leak them. */
class HeldConnections {
  private readonly byWorker = new Map<number, Map<string, number>>();
  /** Recently admitted connIns per `<worker>:<token>`, for connCancel. */
  private readonly recent = new Map<string, { key: string; at: number }>();
  private ops = 0;

  admitted(worker: number, token: number, key: string, now = Date.now()): void {
    this.add(worker, key, 1);
    if (++this.ops % 256 === 0) {
      for (const [t, r] of this.recent) {
        if (now - r.at < CANCEL_WINDOW_MS) break; // insertion order = time order
        this.recent.delete(t);
      }
    }
    this.recent.set(`${worker}:${token}`, { key, at: now });
  }

  /** Count out connIn `token` of `worker` if it was admitted and not cancelled yet. */
  cancel(worker: number, token: number, limits: LocalLimits): number {
    const id = `${worker}:${token}`;
    const r = this.recent.get(id);
    if (r === undefined) return -1;
    this.recent.delete(id);
    this.add(worker, r.key, -1);
    return limits.connOut(r.key);
  }

  add(worker: number, key: string, delta: number): void {
    let m = this.byWorker.get(worker);
    if (m === undefined) this.byWorker.set(worker, (m = new Map()));
    const n = (m.get(key) ?? 0) + delta;
    if (n > 0) m.set(key, n);
    else m.delete(key);
  }

  /** Count out everything `worker` held. */
  release(worker: number, limits: LocalLimits): void {
    const m = this.byWorker.get(worker);
    this.byWorker.delete(worker);
    for (const [key, n] of m ?? []) for (let i = 0; i < n; i++) limits.connOut(key);
  }
}

function answer(limits: LocalLimits, held: HeldConnections, worker: number, m: LimitsRequest): LimitsReply {
  const invalid = limitsRequestError(m);
  if (invalid !== undefined) return { portico: LIMITS_REPLY, id: m.id, error: invalid };
  let result: unknown;
  switch (m.op) {
    case 'leaky':
      result = limits.leaky(m.key, m.rate, m.burst, m.commit);
      break;
    case 'connIn':
      result = limits.connIn(m.key, m.max);
      if (result !== 'rejected') held.admitted(worker, m.id, m.key);
      break;
    case 'connOut':
      result = limits.connOut(m.key);
      held.add(worker, m.key, -1);
      break;
    case 'connCancel':
      result = held.cancel(worker, m.token, limits);
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
 * worker forked from now on. The limit-conn slots of a worker that exits are counted out, so a
 * crashed worker's in-flight requests do not hold them forever. Idempotent (a second listener
 * would count twice).
 */
export function hostSharedLimits(limits: LocalLimits = new LocalLimits()): SharedLimitsHost {
  if (current !== undefined) return current;
  if (!cluster.isPrimary) throw new Error('pod-shared state must be hosted by the cluster primary');
  const held = new HeldConnections();
  const onMessage = (worker: Worker, msg: unknown): void => {
    if (!isLimitsRequest(msg)) return;
    const reply = answer(limits, held, worker.id, msg);
    if (worker.isConnected()) worker.send(reply, undefined, undefined, ignoreSendError);
  };
  const onExit = (worker: Worker): void => held.release(worker.id, limits);
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  process.env[SHARED_LIMITS_ENV] = '1';
  const host: SharedLimitsHost = {
    limits,
    close: () => {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
      if (current === host) current = undefined;
    },
  };
  return (current = host);
}
