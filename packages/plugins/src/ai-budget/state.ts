import { RedisCounterStore } from '../ai-rate-limiting/store/redis.js';
import { localPolicyStore } from '../ai-rate-limiting/store/select.js';
import type { CounterStore } from '../ai-rate-limiting/store/types.js';
import { toMicros } from './prices.js';
import type { AiBudgetConf, BudgetPeriod } from './schema.js';

/** Redis keys: `portico-ai-budget:v1:<scope key>:<period>:<window id>`. */
export const BUDGET_REDIS_PREFIX = 'portico-ai-budget:v1:';
/** Local (per pod) keys share the pod's counter table with ai-rate-limiting. */
const LOCAL_PREFIX = 'ai-budget:';

const PERIOD_LABEL: Record<BudgetPeriod, string> = { day: 'Day', month: 'Month' };

export interface PreparedBudget {
  period: BudgetPeriod;
  limitMicros: number;
  headers: { limit: string; remaining: string; reset: string };
}

/** Everything a request needs, derived once per config revision. */
export interface AiBudgetState {
  conf: AiBudgetConf;
  store: CounterStore;
  /** Prefix of this state's counter keys in its store. */
  keyPrefix: string;
  budgets: PreparedBudget[];
}

export function prepareBudget(conf: AiBudgetConf): AiBudgetState {
  const local = conf.policy === 'local';
  return {
    conf,
    store: local ? localPolicyStore() : RedisCounterStore.acquire(conf, BUDGET_REDIS_PREFIX),
    keyPrefix: local ? LOCAL_PREFIX : '',
    budgets: conf.budgets.map((b) => {
      const label = PERIOD_LABEL[b.period];
      return {
        period: b.period,
        limitMicros: toMicros(b.limit),
        headers: {
          limit: `X-AI-Budget-Limit-${label}`,
          remaining: `X-AI-Budget-Remaining-${label}`,
          reset: `X-AI-Budget-Reset-${label}`,
        },
      };
    }),
  };
}
