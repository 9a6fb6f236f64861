/**
 * What the data plane's cluster primary hosts for the plugins of its workers
 * (`@portico/plugins/pod-hosts`): pod-wide `policy: local` ai-rate-limiting counters (also
 * limit-count's fixed window), pod-wide sequence numbers (ai-proxy-multi round-robin positions)
 * and the pod-wide `policy: local` state of limit-req, limit-conn and sliding-window limit-count.
 */
export { hostSharedCounters, type SharedCountersHost } from './ai-rate-limiting/store/ipc-host.js';
export { hostSharedSequences, type SharedSequencesHost } from './pod-shared/sequence-host.js';
export { hostSharedLimits, type SharedLimitsHost } from './limit-shared/ipc-host.js';
// ai-routing: pod-wide ai-proxy-multi cooldowns (docs/extensions.md).
export { hostSharedCooldowns, type SharedCooldownsHost } from './pod-shared/cooldown-host.js';
