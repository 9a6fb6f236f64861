import { definePlugin } from '@portico/plugin-helpers';
import type { PrepareEnv, Reply, RequestContext } from '@portico/plugin-sdk';
import { keySource, resolveLimitKey, type KeySource } from '../limit-shared/limit-key.js';
import type { LimitTables } from '../limit-shared/local-limits.js';
import { localLimitTables } from '../limit-shared/select.js';
import { compileVarTemplate, type VarTemplate } from '../limit-shared/var-template.js';
import { confId } from '../pod-shared/conf-id.js';
import { RedisConnection } from '../redis-policy/connection.js';
import { redisConnIn, redisConnOut } from './redis-store.js';
import { connDelay, resolveConnNumber } from './resolve.js';
import { limitConnDefinition, type LimitConnConf } from './schema.js';

interface PreparedRule {
  conn: number | string;
  burst: number | string;
  key: KeySource | VarTemplate;
}

/** Everything a request needs, derived once per config revision. */
export interface LimitConnState {
  conf: LimitConnConf;
  rules: PreparedRule[];
  rulesMode: boolean;
  /** `<resource key>:<conf id>:` (limit-conn/init.lua gen_limit_key). */
  keyPrefix: string;
  tables: LimitTables | undefined;
  redis: RedisConnection | undefined;
}

/** A connection this request holds until its log phase. */
interface Held {
  state: LimitConnState;
  key: string;
}

/** ctx.shared slot of the connections held (APISIX ctx.limit_conn). */
const HELD = 'limit_conn';
/** Local keys carry the plugin name, as the plugin-limit-conn shared dict separates them. */
const LOCAL_KEY_PREFIX = 'plugin-limit-conn:';

function prepare(conf: LimitConnConf, env: Pick<PrepareEnv, 'resourceKey'>): LimitConnState {
  const local = conf.policy === 'local';
  const rules: PreparedRule[] = conf.rules
    ? conf.rules.map((r) => ({ conn: r.conn, burst: r.burst, key: compileVarTemplate(r.key) }))
    : [{ conn: conf.conn!, burst: conf.burst!, key: keySource(conf.key_type, conf.key!) }];
  return {
    conf,
    rules,
    rulesMode: conf.rules !== undefined,
    keyPrefix: `${env.resourceKey}:${confId(conf)}:`,
    tables: local ? localLimitTables() : undefined,
    redis: local ? undefined : RedisConnection.acquire(conf),
  };
}

interface ResolvedRule {
  conn: number;
  burst: number;
  key: string;
}

/** limit-conn/init.lua get_rules; in rules mode an invalid or unresolvable rule is skipped. */
function resolveRules(state: LimitConnState, ctx: RequestContext): ResolvedRule[] | string {
  const get = (n: string) => ctx.vars.get(n);
  const out: ResolvedRule[] = [];
  for (const r of state.rules) {
    const conn = resolveConnNumber(r.conn, false, get);
    const burst = resolveConnNumber(r.burst, true, get);
    if (!state.rulesMode) {
      if (typeof conn === 'string') return conn;
      if (typeof burst === 'string') return burst;
      out.push({ conn, burst, key: resolveLimitKey(r.key as KeySource, ctx) });
      continue;
    }
    if (typeof conn === 'string' || typeof burst === 'string') continue;
    const k = (r.key as VarTemplate).resolve(get);
    if (k.resolved === 0) continue;
    out.push({ conn, burst, key: k.value });
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function failure(state: LimitConnState): Reply | undefined {
  return state.conf.allow_degradation ? undefined : { status: 500 };
}

/** Count the request in under every rule (limit-conn/init.lua increase). */
async function increase(state: LimitConnState, ctx: RequestContext): Promise<Reply | undefined> {
  const { conf } = state;
  const rules = resolveRules(state, ctx);
  if (typeof rules === 'string' || rules.length === 0) {
    ctx.logger.error(`failed to get limit conn rules: ${typeof rules === 'string' ? rules : 'nil'}`);
    return failure(state);
  }
  for (const r of rules) {
    const key = state.keyPrefix + r.key;
    let count: number | 'rejected';
    try {
      count = state.tables
        ? await state.tables.connIn(LOCAL_KEY_PREFIX + key, r.conn + r.burst)
        : await redisConnIn(state.redis!, key, r.conn + r.burst, conf.key_ttl ?? 3600, ctx.requestId);
    } catch (e) {
      ctx.logger.error(`failed to limit conn: ${e instanceof Error ? e.message : String(e)}`);
      if (conf.allow_degradation) return undefined;
      return { status: 500 };
    }
    if (count === 'rejected') {
      return conf.rejected_msg
        ? { status: conf.rejected_code, body: { error_msg: conf.rejected_msg } }
        : { status: conf.rejected_code };
    }
    let held = ctx.shared.get(HELD) as Held[] | undefined;
    if (held === undefined) ctx.shared.set(HELD, (held = []));
    held.push({ state, key });
    // Connections beyond `conn` (within the burst) wait default_conn_delay per `conn` ahead.
    const delay = connDelay(count, r.conn, conf.default_conn_delay);
    if (delay >= 0.001) await sleep(delay * 1000);
  }
  return undefined;
}

/** Count the request out of everything it holds (limit-conn/init.lua decrease). */
async function decrease(ctx: RequestContext): Promise<void> {
  const held = ctx.shared.get(HELD) as Held[] | undefined;
  if (held === undefined) return;
  ctx.shared.delete(HELD);
  for (const h of held) {
    try {
      if (h.state.tables) await h.state.tables.connOut(LOCAL_KEY_PREFIX + h.key);
      else await redisConnOut(h.state.redis!, h.key, ctx.requestId);
    } catch (e) {
      ctx.logger.error(`failed to record the connection leaving request: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** limit-conn (priority 1003): concurrent requests per key, released when each request ends. */
export const limitConn = definePlugin<LimitConnConf, LimitConnState>(limitConnDefinition, {
  prepare,
  destroy: (state) => state.redis?.release(),
  access: (ctx, state) => increase(state, ctx),
  log: (ctx) => decrease(ctx),
});

export { limitConnDefinition, type LimitConnConf } from './schema.js';
