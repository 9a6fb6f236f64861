/** Cooldown rules after schema defaults, in milliseconds. */
export interface CooldownRules {
  maxFails: number;
  failWindowMs: number;
  durationMs: number;
}

/**
 * Failure counting for one data plane (pure; the pod's primary or a lone process runs it):
 * `maxFails` failures of one instance within `failWindowMs` put it in cooldown for
 * `durationMs`; a provider-given cooldown (Retry-After) is applied exactly, at once.
 * Returns the cooldown end (epoch ms) when a report starts or extends one.
 */
export class CooldownTracker {
  private readonly fails = new Map<string, number[]>();
  private readonly until = new Map<string, number>();

  report(id: string, rules: CooldownRules, now: number, providerMs?: number): number | undefined {
    if (providerMs !== undefined) {
      const end = now + providerMs;
      this.fails.delete(id);
      this.until.set(id, end);
      return end;
    }
    const since = now - rules.failWindowMs;
    const list = (this.fails.get(id) ?? []).filter((t) => t > since);
    list.push(now);
    if (list.length < rules.maxFails) {
      this.fails.set(id, list);
      return undefined;
    }
    this.fails.delete(id);
    const end = Math.max(now + rules.durationMs, this.until.get(id) ?? 0);
    this.until.set(id, end);
    return end;
  }

  /** Cooldown end of `id` if it is still cooling down at `now`. */
  coolingUntil(id: string, now: number): number | undefined {
    const u = this.until.get(id);
    if (u === undefined) return undefined;
    if (u > now) return u;
    this.until.delete(id);
    return undefined;
  }

  /** Forget entries that ended before `now` (keeps the maps small). */
  sweep(now: number): void {
    for (const [id, u] of this.until) if (u <= now) this.until.delete(id);
    for (const [id, l] of this.fails) if (l[l.length - 1]! <= now - 3_600_000) this.fails.delete(id);
  }
}
