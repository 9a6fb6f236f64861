import cluster, { type Worker } from 'node:cluster';
import { CooldownTracker } from '../ai-proxy-multi/cooldown-tracker.js';
import { COOLDOWN_STATE, SHARED_COOLDOWNS_ENV, isCooldownReport, type CooldownState } from './cooldown-protocol.js';

/** The cooldowns hosted by a cluster primary. */
export interface SharedCooldownsHost {
  readonly tracker: CooldownTracker;
  close(): void;
}

let current: SharedCooldownsHost | undefined;
const ignoreSendError = (): void => undefined;

/**
 * Host ai-proxy-multi cooldowns in this cluster primary: workers report each instance
 * failure here, one tracker counts them for the whole pod, and a cooldown that starts is
 * broadcast to every worker (so they all skip the instance at once). Call before forking:
 * sets PORTICO_SHARED_COOLDOWNS=1 for the workers. Idempotent.
 */
export function hostSharedCooldowns(tracker: CooldownTracker = new CooldownTracker()): SharedCooldownsHost {
  if (current !== undefined) return current;
  if (!cluster.isPrimary) throw new Error('pod-shared state must be hosted by the cluster primary');
  const sweeper = setInterval(() => tracker.sweep(Date.now()), 60_000).unref();
  const onMessage = (_w: Worker, msg: unknown): void => {
    if (!isCooldownReport(msg)) return;
    const until = tracker.report(msg.id, msg.rules, Date.now(), msg.providerMs);
    if (until === undefined) return;
    const state: CooldownState = { portico: COOLDOWN_STATE, id: msg.id, until };
    for (const w of Object.values(cluster.workers ?? {})) {
      if (w?.isConnected()) w.send(state, undefined, undefined, ignoreSendError);
    }
  };
  cluster.on('message', onMessage);
  process.env[SHARED_COOLDOWNS_ENV] = '1';
  const host: SharedCooldownsHost = {
    tracker,
    close: () => {
      clearInterval(sweeper);
      cluster.off('message', onMessage);
      if (current === host) current = undefined;
    },
  };
  return (current = host);
}
