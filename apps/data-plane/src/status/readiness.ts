/** What the status API needs to know about one worker slot. */
export interface WorkerStatus {
  /** Slot id, 0-based like ngx.worker.id(); a restarted worker keeps its slot. */
  id: number;
  /** The live worker of this slot has reported in (APISIX: a key in the status-report dict). */
  reported: boolean;
  /** It has served its first full configuration load. */
  ready: boolean;
}

/** The answer of GET /status/ready. */
export type Readiness = { ok: true } | { ok: false; error: string };

/**
 * apisix/init.lua config_ready_check: every worker must have reported, and every reported
 * worker must have received the configuration. Portico adds one rule of its own: a draining
 * pod is not ready, so load balancers stop sending it new connections before it closes them.
 */
export function readiness(workers: readonly WorkerStatus[], draining: boolean): Readiness {
  if (draining) return { ok: false, error: 'shutting down' };
  const reported = workers.filter((w) => w.reported);
  if (reported.length !== workers.length) {
    return { ok: false, error: `worker count: ${workers.length} but status report count: ${reported.length}` };
  }
  const waiting = reported.find((w) => !w.ready);
  if (waiting) return { ok: false, error: `worker id: ${waiting.id} has not received configuration` };
  return { ok: true };
}
