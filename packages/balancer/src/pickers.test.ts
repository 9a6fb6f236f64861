import { ChashPicker } from './chash.js';
import { runPickerConformance } from './conformance.case.js';
import { createPicker } from './create.js';
import { groupByPriority, PriorityPicker } from './priority.js';
import { RoundRobinPicker } from './roundrobin.js';

runPickerConformance('RoundRobinPicker', { make: (nodes) => new RoundRobinPicker(nodes), priorities: false });
runPickerConformance('ChashPicker', { make: (nodes) => new ChashPicker(nodes), priorities: false });
runPickerConformance('PriorityPicker over round-robin groups', {
  make: (nodes) => new PriorityPicker(groupByPriority(nodes).map((g) => new RoundRobinPicker(g))),
  priorities: true,
});
runPickerConformance('PriorityPicker over chash groups', {
  make: (nodes) => new PriorityPicker(groupByPriority(nodes).map((g) => new ChashPicker(g))),
  priorities: true,
});
runPickerConformance('createPicker roundrobin', { make: (nodes) => createPicker(nodes, 'roundrobin'), priorities: true });
runPickerConformance('createPicker chash', { make: (nodes) => createPicker(nodes, 'chash'), priorities: true });
