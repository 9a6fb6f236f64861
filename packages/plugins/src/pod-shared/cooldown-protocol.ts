import type { CooldownRules } from '../ai-proxy-multi/cooldown-tracker.js';
import { podTag } from './channel.js';

/** Set in a primary's env by hostSharedCooldowns; workers forked afterwards report to it. */
export const SHARED_COOLDOWNS_ENV = 'PORTICO_SHARED_COOLDOWNS';
export const COOLDOWN_REPORT = 'ai-cooldown-report';
export const COOLDOWN_STATE = 'ai-cooldown-state';

/** Worker → primary: one failure of instance `id` (`<conf key>#<instance name>`). */
export interface CooldownReport {
  portico: typeof COOLDOWN_REPORT;
  id: string;
  rules: CooldownRules;
  /** Cooldown the provider asked for (Retry-After), applied exactly. */
  providerMs?: number;
}

/** Primary → every worker: instance `id` is cooling down until `until` (epoch ms). */
export interface CooldownState {
  portico: typeof COOLDOWN_STATE;
  id: string;
  until: number;
}

const isRules = (r: unknown): r is CooldownRules =>
  r !== null &&
  typeof r === 'object' &&
  typeof (r as CooldownRules).maxFails === 'number' &&
  typeof (r as CooldownRules).failWindowMs === 'number' &&
  typeof (r as CooldownRules).durationMs === 'number';

export function isCooldownReport(v: unknown): v is CooldownReport {
  if (podTag(v) !== COOLDOWN_REPORT) return false;
  const m = v as CooldownReport;
  return typeof m.id === 'string' && isRules(m.rules) && (m.providerMs === undefined || typeof m.providerMs === 'number');
}

export function isCooldownState(v: unknown): v is CooldownState {
  if (podTag(v) !== COOLDOWN_STATE) return false;
  const m = v as CooldownState;
  return typeof m.id === 'string' && typeof m.until === 'number';
}
