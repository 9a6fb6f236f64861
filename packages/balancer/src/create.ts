import { ChashPicker } from './chash.js';
import { groupByPriority, PriorityPicker } from './priority.js';
import { RoundRobinPicker } from './roundrobin.js';
import type { BalancerNode, Picker } from './types.js';

export type Algorithm = 'roundrobin' | 'chash';

/**
 * Build a picker the way ai-proxy-multi's `create_server_picker` does: one priority group →
 * the algorithm's picker directly, several → a priority picker over one picker per group.
 * Call it once per config revision and health-state change, never per request.
 */
export function createPicker(
  nodes: readonly BalancerNode[],
  algorithm: Algorithm = 'roundrobin',
  random: () => number = Math.random,
): Picker {
  const groups = groupByPriority(nodes);
  const make = (g: readonly BalancerNode[]): Picker =>
    algorithm === 'chash' ? new ChashPicker(g) : new RoundRobinPicker(g, random);
  if (groups.length === 1) return make(groups[0]!);
  return new PriorityPicker(groups.map(make));
}
