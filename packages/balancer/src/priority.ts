import { ALL_SERVERS_TRIED, type BalancerNode, type Picker } from './types.js';

/**
 * apisix/balancer/priority.lua: one picker per priority, highest priority first; a lower
 * group is consulted only when every node of the higher groups is tried (or was left out of
 * the picker as unhealthy). Exhausting every group reports `all servers tried`.
 */
export class PriorityPicker implements Picker {
  readonly exhaustedError = ALL_SERVERS_TRIED;
  readonly names: readonly string[];

  constructor(private readonly groups: readonly Picker[]) {
    this.names = groups.flatMap((g) => g.names);
  }

  pick(tried: ReadonlySet<string>, hashKey?: string): string | undefined {
    for (const g of this.groups) {
      const name = g.pick(tried, hashKey);
      if (name !== undefined) return name;
    }
    return undefined;
  }
}

/** Group nodes by priority, highest first, keeping config order inside each group. */
export function groupByPriority(nodes: readonly BalancerNode[]): BalancerNode[][] {
  const byPrio = new Map<number, BalancerNode[]>();
  for (const n of nodes) {
    const p = n.priority ?? 0;
    let g = byPrio.get(p);
    if (!g) byPrio.set(p, (g = []));
    g.push(n);
  }
  return [...byPrio.entries()].sort((a, b) => b[0] - a[0]).map(([, g]) => g);
}
