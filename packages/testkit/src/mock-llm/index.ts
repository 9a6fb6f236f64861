export { startMockLlm } from './server.js';
export type { MockBehavior, MockLlm, MockLlmOptions, RecordedRequest } from './types.js';
// Misbehaving upstreams for the AI response-limit tests (ai-limits).
export { startRunawayLlm, startSilentServer } from './runaway.js';
export type { RunawayLlm, RunawayRequest, SilentServer } from './runaway.js';
export { bagOfWordsVector } from './semantic-vectors.js';
