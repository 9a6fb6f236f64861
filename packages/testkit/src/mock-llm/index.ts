export { startMockLlm } from './server.js';
export type { MockBehavior, MockLlm, MockLlmOptions, RecordedRequest } from './types.js';
export { bagOfWordsVector } from './semantic-vectors.js';
