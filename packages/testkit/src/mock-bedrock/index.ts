export { startMockBedrock } from './server.js';
export type { MockBedrock, MockBedrockOptions, MockBedrockBehavior, BedrockRecordedRequest } from './server.js';
export { verifySigV4, type MockAwsCredentials, type SigV4Verdict, type SignedRequestView } from './sigv4-verify.js';
export { eventFrame, converseEvent, converseException } from './frames.js';
