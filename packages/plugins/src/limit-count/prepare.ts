import type { PrepareEnv } from '@portico/plugin-sdk';
import { localPolicyStore } from '../ai-rate-limiting/store/select.js';
import type { CounterStore } from '../ai-rate-limiting/store/types.js';
import { keySource, type KeySource } from '../limit-shared/limit-key.js';
import type { LimitTables } from '../limit-shared/local-limits.js';
import { localLimitTables } from '../limit-shared/select.js';
import { compileVarTemplate, type VarTemplate } from '../limit-shared/var-template.js';
import { confId } from '../pod-shared/conf-id.js';
import { RedisConnection } from '../redis-policy/connection.js';
import type { LimitCountConf } from './schema.js';

/** One rule as prepared: count/window (number or `${var}` template) and how to key it. */
export interface PreparedRule {
  count: number | string;
  timeWindow: number | string;
  key: KeySource;
  /** rules mode: the rule's key template (a rule applies only when a variable in it resolved). */
  ruleKey?: VarTemplate;
  /** rules mode: `header_prefix`, else the rule's 1-based index. */
  headerPrefix?: string;
}

/** Where the counters live. */
export type CountBackend =
  | { kind: 'local-fixed'; store: CounterStore }
  | { kind: 'local-sliding'; tables: LimitTables }
  | { kind: 'redis'; conn: RedisConnection; sliding: boolean };

/** Everything a request needs, derived once per config revision. */
export interface LimitCountState {
  conf: LimitCountConf;
  rules: PreparedRule[];
  /** rules mode (each rule is checked when its key resolves). */
  rulesMode: boolean;
  /** `<resource key>:<conf id>:` or `<group>:` (init.lua gen_limit_key). */
  keyPrefix: string;
  backend: CountBackend;
}

/** Local keys carry the plugin name: the pod's counter store is shared with ai-rate-limiting. */
export const LOCAL_KEY_PREFIX = 'plugin-limit-count:';

function backendFor(conf: LimitCountConf): CountBackend {
  if (conf.policy === 'local') {
    return conf.window_type === 'sliding'
      ? { kind: 'local-sliding', tables: localLimitTables() }
      : { kind: 'local-fixed', store: localPolicyStore() };
  }
  return { kind: 'redis', conn: RedisConnection.acquire(conf), sliding: conf.window_type === 'sliding' };
}

/** Build the per-revision state of one limit-count conf. */
export function prepareLimitCount(conf: LimitCountConf, env: Pick<PrepareEnv, 'resourceKey'>): LimitCountState {
  // A group shares its counters across every route carrying it; otherwise counters belong to
  // the resource and reset when the conf changes (apisix.plugin conf_version).
  const keyPrefix = conf.group !== undefined ? `${conf.group}:` : `${env.resourceKey}:${confId(conf)}:`;
  const rules: PreparedRule[] = conf.rules
    ? conf.rules.map((r, i) => ({
        count: r.count,
        timeWindow: r.time_window,
        key: keySource('constant', r.key),
        ruleKey: compileVarTemplate(r.key),
        headerPrefix: r.header_prefix ?? String(i + 1),
      }))
    : [{ count: conf.count!, timeWindow: conf.time_window!, key: keySource(conf.key_type, conf.key) }];
  return { conf, rules, rulesMode: conf.rules !== undefined, keyPrefix, backend: backendFor(conf) };
}

/** Release what prepare acquired. */
export function destroyLimitCount(state: LimitCountState): void {
  if (state.backend.kind === 'redis') state.backend.conn.release();
}
