import { groupByPriority } from './priority.js';
import { RoundRobinSchedule } from './schedule.js';
import { ALL_SERVERS_TRIED, ALL_UPSTREAM_SERVERS_TRIED, type BalancerNode } from './types.js';

/** One priority group of a {@link SequencedRoundRobin}. */
export interface SequencedGroup {
  /** The group's `priority` (stable across health changes, unlike its index). */
  readonly priority: number;
  readonly names: readonly string[];
  readonly schedule: RoundRobinSchedule;
}

/**
 * Weighted round robin by priority group (apisix/balancer/priority.lua over
 * resty.roundrobin) whose position comes from outside: the caller supplies one sequence
 * number per pick for the group {@link groupFor} names (a pod-wide counter, so every worker
 * walks the same sequence), and {@link pickAt} maps it onto the group's schedule. Pure: no
 * state changes between picks, so any number of processes can share the counter.
 */
export class SequencedRoundRobin {
  readonly groups: readonly SequencedGroup[];
  /** Same string as the stateful picker built from the same nodes (createPicker). */
  readonly exhaustedError: string;

  constructor(nodes: readonly BalancerNode[]) {
    this.groups = groupByPriority(nodes).map((g) => ({
      priority: g[0]!.priority ?? 0,
      names: g.map((n) => n.name),
      schedule: new RoundRobinSchedule(g.map((n) => n.weight)),
    }));
    this.exhaustedError = this.groups.length === 1 ? ALL_UPSTREAM_SERVERS_TRIED : ALL_SERVERS_TRIED;
  }

  /**
   * Index of the group the next pick comes from: the first (highest priority) group with an
   * untried node its sequence returns; -1 when every group is exhausted. Weight-0 nodes next
   * to positive weights never count, as RoundRobinPicker never returns them.
   */
  groupFor(tried: ReadonlySet<string>): number {
    return this.groups.findIndex((g) => g.names.some((name, i) => !tried.has(name) && g.schedule.scheduled(i)));
  }

  /**
   * The node of group `group` at sequence position `n`; when it was tried, the next untried
   * node along the sequence (a retry skips locally, without another position). Undefined
   * when the group has nothing left to return.
   */
  pickAt(group: number, tried: ReadonlySet<string>, n: number): string | undefined {
    const g = this.groups[group];
    if (g === undefined) return undefined;
    for (let i = 0; i < g.schedule.period; i++) {
      const name = g.names[g.schedule.at(n + i)]!;
      if (!tried.has(name)) return name;
    }
    return undefined;
  }
}
