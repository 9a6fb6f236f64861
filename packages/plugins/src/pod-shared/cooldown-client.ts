import cluster from 'node:cluster';
import { CooldownTracker, type CooldownRules } from '../ai-proxy-multi/cooldown-tracker.js';
import { processChannel, type PodChannel } from './channel.js';
import { COOLDOWN_REPORT, SHARED_COOLDOWNS_ENV, isCooldownState, type CooldownReport } from './cooldown-protocol.js';

/** Where ai-proxy-multi reports failures and asks whether an instance is cooling down. */
export interface CooldownStore {
  /** One failure of instance `id`; `providerMs` is the provider's own Retry-After. */
  report(id: string, rules: CooldownRules, providerMs?: number): void;
  /** Whether `id` is cooling down now. */
  cooling(id: string): boolean;
}

/** One process counts its own failures (single process, one worker, unit tests). */
export class LocalCooldowns implements CooldownStore {
  readonly tracker = new CooldownTracker();
  report(id: string, rules: CooldownRules, providerMs?: number): void {
    this.tracker.report(id, rules, Date.now(), providerMs);
  }
  cooling(id: string): boolean {
    return this.tracker.coolingUntil(id, Date.now()) !== undefined;
  }
}

/**
 * A cluster worker under a primary that hosts cooldowns: failures are counted by the primary
 * for the whole pod (no reply awaited), cooldowns arrive as broadcasts and are read locally,
 * so `cooling` costs no IPC. A provider-given cooldown also applies locally at once.
 */
export class PodCooldowns implements CooldownStore {
  private readonly until = new Map<string, number>();

  constructor(private readonly channel: PodChannel<CooldownReport> = processChannel) {
    channel.onMessage((msg) => {
      if (isCooldownState(msg)) this.until.set(msg.id, Math.max(msg.until, this.until.get(msg.id) ?? 0));
    });
  }

  report(id: string, rules: CooldownRules, providerMs?: number): void {
    if (providerMs !== undefined) this.until.set(id, Date.now() + providerMs);
    const msg: CooldownReport = { portico: COOLDOWN_REPORT, id, rules, ...(providerMs !== undefined ? { providerMs } : {}) };
    this.channel.send(msg);
  }

  cooling(id: string): boolean {
    const u = this.until.get(id);
    if (u === undefined) return false;
    if (u > Date.now()) return true;
    this.until.delete(id);
    return false;
  }
}

let chosen: CooldownStore | undefined;

/** The process's cooldown store: the pod's when the primary hosts cooldowns, else local. */
export function podCooldowns(): CooldownStore {
  chosen ??= cluster.isWorker && process.env[SHARED_COOLDOWNS_ENV] === '1' ? new PodCooldowns() : new LocalCooldowns();
  return chosen;
}
