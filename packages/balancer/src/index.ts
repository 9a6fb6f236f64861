// Pure load-balancing pickers (no I/O): weighted round robin, consistent hashing and
// priority groups with APISIX's exact sequences and error strings.
export * from './types.js';
export { RoundRobinPicker } from './roundrobin.js';
export { ChashPicker, CONSISTENT_POINTS } from './chash.js';
export { PriorityPicker, groupByPriority } from './priority.js';
export { createPicker, type Algorithm } from './create.js';
export { chashKey, type HashOn, type HashKeySource } from './hash-key.js';
export { resolveVars } from './resolve-var.js';
export { RoundRobinSchedule } from './schedule.js';
export { SequencedRoundRobin, type SequencedGroup } from './sequenced.js';
