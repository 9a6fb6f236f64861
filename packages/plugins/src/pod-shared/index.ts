// Pod-shared state over IPC: a cluster primary holds what APISIX keeps per node in a
// lua_shared_dict; its workers reach it with one request/reply per call.
export { processChannel, podTag, type PodChannel } from './channel.js';
export { PodRpcClient, type PodRpcErrors } from './rpc-client.js';
export { servePodRequests } from './rpc-host.js';
export { confId, stableJson } from './conf-id.js';
export { SequenceTable, SEQUENCE_IDLE_MS } from './sequence-table.js';
export { hostSharedSequences, type SharedSequencesHost } from './sequence-host.js';
export {
  podSequences,
  SharedSequenceClient,
  SharedSequenceError,
  SEQUENCE_TIMEOUT_MS,
  type PodSequences,
  type SharedSequenceErrorCode,
} from './sequence-client.js';
export { hostSharedCooldowns, type SharedCooldownsHost } from './cooldown-host.js';
export { podCooldowns, LocalCooldowns, PodCooldowns, type CooldownStore } from './cooldown-client.js';
