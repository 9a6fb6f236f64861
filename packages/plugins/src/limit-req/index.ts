import { definePlugin } from '@portico/plugin-helpers';
import type { MaybePromise, PrepareEnv, Reply, RequestContext } from '@portico/plugin-sdk';
import { keySource, resolveLimitKey, type KeySource } from '../limit-shared/limit-key.js';
import type { LeakyOutcome, LimitTables } from '../limit-shared/local-limits.js';
import { localLimitTables } from '../limit-shared/select.js';
import { confId } from '../pod-shared/conf-id.js';
import { RedisConnection } from '../redis-policy/connection.js';
import { redisLeaky } from './redis-store.js';
import { limitReqDefinition, type LimitReqConf } from './schema.js';

/** Everything a request needs, derived once per config revision. */
export interface LimitReqState {
  conf: LimitReqConf;
  key: KeySource;
  /** `<resource key>:<conf id>:` (limit-req.lua gen_limit_key). */
  keyPrefix: string;
  /** rate and burst in resty.limit.req's ×1000 units. */
  rate: number;
  burst: number;
  tables: LimitTables | undefined;
  conn: RedisConnection | undefined;
}

/** Local keys carry the plugin name, as the plugin-limit-req shared dict separates them. */
const LOCAL_KEY_PREFIX = 'plugin-limit-req:';

function prepare(conf: LimitReqConf, env: Pick<PrepareEnv, 'resourceKey'>): LimitReqState {
  const local = conf.policy === 'local';
  return {
    conf,
    key: keySource(conf.key_type, conf.key),
    keyPrefix: `${env.resourceKey}:${confId(conf)}:`,
    rate: conf.rate * 1000,
    burst: conf.burst * 1000,
    tables: local ? localLimitTables() : undefined,
    conn: local ? undefined : RedisConnection.acquire(conf),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The delay (seconds) of an admitted request: excess / rate (resty.limit.req). */
export function leakyDelay(excess: number, rate: number): number {
  return excess / rate;
}

function settle(state: LimitReqState, ctx: RequestContext, o: LeakyOutcome | Error): MaybePromise<Reply | undefined> {
  const { conf } = state;
  if (o instanceof Error) {
    ctx.logger.error(`failed to limit req: ${o.message}`);
    return conf.allow_degradation ? undefined : { status: 500 };
  }
  if (o === 'rejected') {
    return conf.rejected_msg
      ? { status: conf.rejected_code, body: { error_msg: conf.rejected_msg } }
      : { status: conf.rejected_code };
  }
  const delay = leakyDelay(o.excess, state.rate);
  // Requests over the rate but within the burst wait until they conform (limit-req.lua).
  if (delay >= 0.001 && !conf.nodelay) return sleep(delay * 1000).then(() => undefined);
  return undefined;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** limit-req (priority 1001): leaky bucket per key; excess requests wait or are rejected. */
export const limitReq = definePlugin<LimitReqConf, LimitReqState>(limitReqDefinition, {
  prepare,
  destroy: (state) => state.conn?.release(),
  access(ctx, state) {
    const key = state.keyPrefix + resolveLimitKey(state.key, ctx);
    let o: MaybePromise<LeakyOutcome>;
    try {
      o = state.tables
        ? state.tables.leaky(LOCAL_KEY_PREFIX + key, state.rate, state.burst, true)
        : redisLeaky(state.conn!, key, state.rate, state.burst);
    } catch (e) {
      return settle(state, ctx, asError(e));
    }
    if (o instanceof Promise)
      return o.then(
        (v) => settle(state, ctx, v),
        (e: unknown) => settle(state, ctx, asError(e)),
      );
    return settle(state, ctx, o);
  },
});

export { limitReqDefinition, type LimitReqConf } from './schema.js';
