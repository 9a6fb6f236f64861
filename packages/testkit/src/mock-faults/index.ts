export { startMockFaults, seededRandom, FaultPlan } from './server.js';
export { chatRequest, chatLoad, percentile, type ChatResult, type ChatLoad } from './load.js';
export type { Fault, FaultKind, FaultRecord, MockFaults, MockFaultsOptions } from './types.js';
