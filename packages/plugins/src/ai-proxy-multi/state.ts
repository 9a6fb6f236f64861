import { createPicker, SequencedRoundRobin, type Picker } from '@portico/balancer';
import type { Logger, PrepareEnv } from '@portico/plugin-sdk';
import { prepareInstance, resolveTarget, type PreparedInstance } from '../ai-shared/instance.js';
import { createPool, type AiPool } from '../ai-shared/pool.js';
import { ActiveHealthChecker } from '../healthcheck/checker.js';
import { resolveActiveCheck } from '../healthcheck/schema.js';
import { confId } from '../pod-shared/conf-id.js';
import { podSequences, type PodSequences } from '../pod-shared/sequence-client.js';
import { podCooldowns, type CooldownStore } from '../pod-shared/cooldown-client.js';
import type { CooldownRules } from './cooldown-tracker.js';
import { checksRateLimit } from './fallback.js';
import { LeastPicker, LoadStats } from './least.js';
import { ModelRouter } from './model-routing.js';
import type { AiProxyMultiConf, MultiInstanceConf } from './schema.js';

/** Derived once per config revision; `picker` is rebuilt when an instance's health flips. */
export interface MultiState {
  conf: AiProxyMultiConf;
  pool: AiPool;
  /** Prepared instances by name, in config order. */
  instances: ReadonlyMap<string, { prepared: PreparedInstance; conf: MultiInstanceConf }>;
  /** One instance: no balancer, no health checks, no fallback (ai-proxy-multi.lua). */
  single: boolean;
  algorithm: 'roundrobin' | 'chash';
  /** Portico extensions (docs/extensions.md); all undefined for an APISIX conf. */
  ext: MultiExtState;
  checkRateLimit: boolean;
  checkers: ReadonlyMap<string, ActiveHealthChecker>;
  /** Current picker (undefined when single). */
  picker: Picker | undefined;
  /** Names to skip because unhealthy (chash keeps a stable ring and skips them instead). */
  unhealthy: ReadonlySet<string>;
  /**
   * Pod-wide round-robin positions (cluster worker under a hosting primary), else undefined
   * and `picker` keeps its own position. Unused with chash, which is deterministic anyway.
   */
  sequences: PodSequences | undefined;
  /** The round robin `sequences` drive: same nodes as `picker`, rebuilt with it. */
  sequenced: SequencedRoundRobin | undefined;
  /** `<resource key>:<conf id>:` — prefix of this conf's sequence keys (plus the group's priority). */
  sequenceKey: string;
}

/** Derived state of the Portico extensions (undefined parts are off). */
export interface MultiExtState {
  /** least_busy / least_latency picker (replaces `picker`). */
  least: LeastPicker | undefined;
  /** In-flight and TTFT figures (maintained only with least_*). */
  stats: LoadStats;
  router: ModelRouter | undefined;
  cooldowns: { store: CooldownStore; rules: CooldownRules; honorRetryAfter: boolean; key: string } | undefined;
  /** Streams wait for their first token before reaching the client (stream_failover set). */
  streamFailover: boolean;
  /** First-token timeout per instance (ms), when one applies. */
  firstTokenMs: ReadonlyMap<string, number>;
  keepaliveMs: number | undefined;
}

function prepareExt(conf: AiProxyMultiConf, key: string, cooldowns: () => CooldownStore): MultiExtState {
  const sf = conf.stream_failover;
  const firstTokenMs = new Map<string, number>();
  for (const i of conf.instances) {
    const ms = i.first_token_timeout_ms ?? sf?.first_token_timeout_ms;
    if (ms !== undefined) firstTokenMs.set(i.name, ms);
  }
  const algo = conf.balancer?.algorithm;
  const stats = new LoadStats();
  const cd = conf.cooldown;
  return {
    least: algo === 'least_busy' || algo === 'least_latency' ? new LeastPicker(conf.instances, algo, stats) : undefined,
    stats,
    router: conf.model_routing ? new ModelRouter(conf.model_routing, conf.instances) : undefined,
    cooldowns: cd
      ? {
          store: cooldowns(),
          rules: { maxFails: cd.max_fails, failWindowMs: cd.fail_timeout * 1000, durationMs: cd.duration * 1000 },
          honorRetryAfter: cd.honor_retry_after,
          key: `${key}#`,
        }
      : undefined,
    streamFailover: sf !== undefined || firstTokenMs.size > 0,
    firstTokenMs,
    keepaliveMs: sf?.keepalive_interval_ms,
  };
}

/**
 * Healthy subset for the picker: instances without checks count as healthy; when none is
 * healthy APISIX warns `all upstream nodes is unhealthy, use default` and uses all of them.
 */
function rebuild(state: MultiState, logger: Logger): void {
  if (state.single) return;
  const all = [...state.instances.values()].map((i) => i.conf);
  const down = new Set([...state.checkers].filter(([, c]) => !c.healthy).map(([n]) => n));
  let nodes = all;
  let skip: ReadonlySet<string> = down;
  if (down.size === all.length) {
    logger.warn('all upstream nodes is unhealthy, use default');
    skip = new Set();
  } else if (state.algorithm === 'roundrobin') {
    nodes = all.filter((n) => !down.has(n.name));
    skip = new Set();
  }
  if (state.ext.least) {
    // least_*: one picker over every instance; unhealthy ones are skipped at pick time.
    state.unhealthy = down.size === all.length ? new Set() : down;
    return;
  }
  // chash (3.18): the ring always holds every instance, so health changes do not remap keys.
  state.picker = createPicker(nodes, state.algorithm);
  state.sequenced =
    state.sequences !== undefined && state.algorithm === 'roundrobin' ? new SequencedRoundRobin(nodes) : undefined;
  state.unhealthy = skip;
}

/**
 * Build the per-revision state and start one active checker per instance with `checks`.
 * `sequences` defaults to the pod's (podSequences(): undefined outside a hosting cluster).
 */
export function prepareMulti(
  conf: AiProxyMultiConf,
  env: PrepareEnv,
  sequences: PodSequences | undefined = podSequences(),
  cooldowns: () => CooldownStore = podCooldowns,
): MultiState {
  const instances = new Map<string, { prepared: PreparedInstance; conf: MultiInstanceConf }>();
  for (const i of conf.instances) instances.set(i.name, { prepared: prepareInstance(i.name, i), conf: i });
  const single = conf.instances.length === 1;
  const checkers = new Map<string, ActiveHealthChecker>();
  const state: MultiState = {
    conf,
    pool: createPool(conf),
    instances,
    single,
    algorithm: conf.balancer?.algorithm === 'chash' ? 'chash' : 'roundrobin',
    ext: prepareExt(conf, `${env.resourceKey}:${confId(conf)}`, cooldowns),
    checkRateLimit: checksRateLimit(conf.fallback_strategy),
    checkers,
    picker: undefined,
    unhealthy: new Set(),
    // least_* picks from load figures, not from a sequence.
    sequences:
      single || conf.balancer?.algorithm === 'least_busy' || conf.balancer?.algorithm === 'least_latency' ? undefined : sequences,
    sequenced: undefined,
    sequenceKey: `${env.resourceKey}:${confId(conf)}:`,
  };
  const logger = env.services.logger;
  if (!single) {
    for (const { prepared, conf: ic } of instances.values()) {
      if (!ic.checks?.active) continue;
      const target = resolveTarget(prepared, 'chat', undefined);
      if (!target) {
        logger.warn(`no endpoint to health check for ai instance ${ic.name}`);
        continue;
      }
      // 3.18 construct_upstream: probes carry the instance's auth headers and auth.query.
      const query = new URLSearchParams(prepared.auth.query).toString();
      const checker = new ActiveHealthChecker({ host: target.host, port: target.port }, resolveActiveCheck(ic.checks.active), {
        headers: prepared.auth.headers,
        // APISIX's checker name: resource key + JSON path of the instance (0-based).
        name: `${env.resourceKey}#plugins['ai-proxy-multi'].instances[${conf.instances.indexOf(ic)}]`,
        ...(query ? { query } : {}),
        onChange: (healthy) => {
          logger.info(`ai instance ${ic.name} is now ${healthy ? 'healthy' : 'unhealthy'}`);
          rebuild(state, logger);
        },
      });
      checkers.set(ic.name, checker);
    }
  }
  rebuild(state, logger);
  for (const c of checkers.values()) c.start();
  return state;
}

/** Stop the checkers and close the pool (a revision dropped this conf). */
export function destroyMulti(state: MultiState): void {
  for (const c of state.checkers.values()) c.stop();
  void state.pool.close();
}
