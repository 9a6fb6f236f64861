/**
 * What the data plane's cluster primary hosts for the plugins of its workers
 * (`@portico/plugins/pod-hosts`): pod-wide `policy: local` ai-rate-limiting counters and
 * pod-wide sequence numbers (ai-proxy-multi round-robin positions).
 */
export { hostSharedCounters, type SharedCountersHost } from './ai-rate-limiting/store/ipc-host.js';
export { hostSharedSequences, type SharedSequencesHost } from './pod-shared/sequence-host.js';
