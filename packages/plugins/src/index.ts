import type { PluginModule } from '@portico/plugin-sdk';
import { aiProxy } from './ai-proxy/index.js';
import { aiProxyMulti } from './ai-proxy-multi/index.js';
import { aiRateLimiting } from './ai-rate-limiting/index.js';
import { fileLogger } from './file-logger/index.js';
import { httpLogger } from './http-logger/index.js';
import { keyAuth } from './key-auth/index.js';

export { reopenFileLoggers } from './file-logger/index.js';
/** Pod-wide `policy: local` ai-rate-limiting counters, hosted by the data plane's cluster primary. */
export { hostSharedCounters, type SharedCountersHost } from './ai-rate-limiting/store/ipc-host.js';
/** Pod-wide sequence numbers (ai-proxy-multi round-robin positions), hosted by the same primary. */
export { hostSharedSequences, type SharedSequencesHost } from './pod-shared/sequence-host.js';

/** Every plugin Portico ships, in no particular order (the pipeline sorts by priority). */
export const allPlugins: readonly PluginModule[] = [httpLogger, fileLogger, aiProxy, keyAuth, aiProxyMulti, aiRateLimiting];

const byName = new Map(allPlugins.map((p) => [p.name, p]));

/** Look a plugin up by its APISIX name. */
export function getPlugin(name: string): PluginModule | undefined {
  return byName.get(name);
}

/** Secret redaction shared with the data plane's access log (docs/compatibility.md). */
export {
  authSources,
  isSecretHeader,
  isSecretQueryArg,
  NO_AUTH_SOURCES,
  redactRawQuery,
  redactUrl,
  REDACTED,
  type AuthSources,
} from './log-util/redact.js';
