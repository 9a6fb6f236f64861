export { startMockFaults, seededRandom, FaultPlan } from './server.js';
export type { Fault, FaultKind, FaultRecord, MockFaults, MockFaultsOptions } from './types.js';
