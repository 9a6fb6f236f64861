/**
 * Runtime helpers shared by plugins and the apps (the contract types stay in
 * @portico/plugin-sdk). Pure code, no I/O, no dependency beyond the contract.
 */
export { classifyUpstreamError, type UpstreamFailure } from './upstream-error.js';
