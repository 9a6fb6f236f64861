import { checkPluginConf } from '@portico/schemas';
import { startRedis, type RedisProcess } from '@portico/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx, type FakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { aiBudget, type AiBudgetConf } from './index.js';
import { BUDGET_REDIS_PREFIX } from './state.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
/** gpt-4: 20 µ per prompt token, 40 µ per completion token. */
const METADATA = Object.freeze({
  currency: 'USD',
  prices: { 'gpt-4*': { input: 20, output: 40 } },
});
let seq = 0;

function prepared(raw: Record<string, unknown>) {
  const conf = structuredClone(raw);
  const err = checkPluginConf(aiBudget, conf, 'route');
  if (err) throw new Error(err);
  return aiBudget.prepare!(conf as unknown as AiBudgetConf, {
    resourceKey: `/apisix/routes/b${++seq}`,
    scope: 'route',
    services,
  });
}

/** One request through access and, when admitted, an LLM call that used 1000 + 500 tokens. */
async function call(
  state: ReturnType<typeof prepared>,
  opts: { consumer?: string; model?: string; metadata?: object | undefined; route?: string } = {},
): Promise<{ ctx: FakeCtx; status: number | undefined; body: unknown }> {
  const ctx = fakeCtx(opts.consumer ? { consumer: opts.consumer } : {});
  const meta = 'metadata' in opts ? opts.metadata : METADATA;
  ctx.pluginMetadata = (name) => (name === 'ai-budget' ? (meta as Readonly<Record<string, unknown>>) : undefined);
  if (opts.route) Object.assign(ctx, { routeKey: opts.route });
  const reply = await aiBudget.access!(ctx, state);
  if (!reply) {
    ctx.shared.set('picked_ai_instance_name', 'ai-proxy-openai');
    ctx.vars.set('llm_model', opts.model ?? 'gpt-4-0613');
    ctx.shared.set('ai_token_usage', { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 });
  }
  await aiBudget.log!(ctx, state);
  const r = reply || undefined;
  return { ctx, status: r?.status, body: r?.body };
}

describe('ai-budget schema', () => {
  it('requires at least one budget and accepts the documented fields', () => {
    expect(checkPluginConf(aiBudget, {}, 'route')).toBe('property "budgets" is required');
    const conf = { budgets: [{ period: 'day', limit: 5 }] };
    expect(checkPluginConf(aiBudget, conf, 'route')).toBeUndefined();
    expect(conf).toMatchObject({ scope: 'consumer', rejected_code: 429, show_budget_header: true, policy: 'local' });
  });

  it('rejects two budgets for the same period', () => {
    const conf = {
      budgets: [
        { period: 'day', limit: 1 },
        { period: 'day', limit: 2 },
      ],
    };
    expect(checkPluginConf(aiBudget, conf, 'route')).toBe("duplicate budget period 'day'");
  });

  it('rejects a zero limit and an unknown period', () => {
    expect(checkPluginConf(aiBudget, { budgets: [{ period: 'day', limit: 0 }] }, 'route')).toMatch(/limit/);
    expect(checkPluginConf(aiBudget, { budgets: [{ period: 'week', limit: 1 }] }, 'route')).toMatch(/period/);
  });

  it('needs redis_host with policy redis', () => {
    expect(checkPluginConf(aiBudget, { budgets: [{ period: 'day', limit: 1 }], policy: 'redis' }, 'route')).toBe(
      'then clause did not match',
    );
  });

  it('checks the price list in plugin_metadata', () => {
    expect(checkPluginConf(aiBudget, { prices: { 'gpt-4': { input: 1, output: 2 } } }, 'metadata')).toBeUndefined();
    expect(checkPluginConf(aiBudget, { prices: { 'gpt-4': { input: 1 } } }, 'metadata')).toMatch(/output/);
    expect(checkPluginConf(aiBudget, { prices: { 'a*b*': { input: 1, output: 1 } } }, 'metadata')).toBe(
      "price key 'a*b*' has more than one '*'",
    );
  });
});

describe('ai-budget (local policy)', () => {
  // Each call costs 1000 × 20 + 500 × 40 = 40,000 µ = 0.04.
  it('admits calls until the day budget is spent, then refuses with 429 and a clear body', async () => {
    const state = prepared({ budgets: [{ period: 'day', limit: 0.1 }], scope: 'route' });
    const route = `/apisix/routes/spend-${seq}`;
    const first = await call(state, { route });
    expect(first.status).toBeUndefined();
    expect(first.ctx.respHeaders).toMatchObject({
      'X-AI-Budget-Limit-Day': '0.1',
      'X-AI-Budget-Remaining-Day': '0.1',
    });
    expect(Number(first.ctx.respHeaders['X-AI-Budget-Reset-Day'])).toBeGreaterThan(0);
    expect(first.ctx.varMap.get('llm_cost')).toBe('0.04');
    expect((await call(state, { route })).ctx.respHeaders['X-AI-Budget-Remaining-Day']).toBe('0.06');
    expect((await call(state, { route })).ctx.respHeaders['X-AI-Budget-Remaining-Day']).toBe('0.02');
    const refused = await call(state, { route });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error_msg: 'daily AI budget exhausted',
      budget: { period: 'day', limit: 0.1, spent: 0.12, currency: 'USD', reset: expect.any(Number) },
    });
    expect(refused.ctx.respHeaders['X-AI-Budget-Remaining-Day']).toBe('0');
    // A refused request is not charged.
    expect((await call(state, { route })).body).toMatchObject({ budget: { spent: 0.12 } });
  });

  it('keeps one budget per consumer, shared across routes carrying the same plugin', async () => {
    const state = prepared({ budgets: [{ period: 'month', limit: 0.04 }] });
    const u = `alice-${seq}`;
    expect((await call(state, { consumer: u, route: '/apisix/routes/a' })).status).toBeUndefined();
    expect((await call(state, { consumer: u, route: '/apisix/routes/b' })).status).toBe(429);
    expect((await call(state, { consumer: `bob-${seq}` })).status).toBeUndefined();
  });

  it('uses rejected_code and rejected_msg when set', async () => {
    const state = prepared({ budgets: [{ period: 'day', limit: 0.01 }], rejected_code: 402, rejected_msg: 'out of credit' });
    const u = `carol-${seq}`;
    await call(state, { consumer: u });
    expect(await call(state, { consumer: u })).toMatchObject({ status: 402, body: { error_msg: 'out of credit' } });
  });

  it('hides the headers when show_budget_header is false', async () => {
    const state = prepared({ budgets: [{ period: 'day', limit: 1 }], show_budget_header: false });
    expect((await call(state, { consumer: `dave-${seq}` })).ctx.respHeaders).toEqual({});
  });

  it('does not charge a model without a price, and warns once per model', async () => {
    const state = prepared({ budgets: [{ period: 'day', limit: 0.01 }] });
    const u = `erin-${seq}`;
    const a = await call(state, { consumer: u, model: 'llama-3' });
    const b = await call(state, { consumer: u, model: 'llama-3' });
    expect(a.ctx.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      "ai-budget: no price for model 'llama-3' in plugin_metadata; its calls are not charged",
    ]);
    expect(b.ctx.logs).toEqual([]);
    expect(b.status).toBeUndefined();
    expect(b.ctx.varMap.has('llm_cost')).toBe(false);
  });

  it('charges cached prompt tokens at the cached price', async () => {
    const state = prepared({ budgets: [{ period: 'day', limit: 1 }] });
    const ctx = fakeCtx({ consumer: `frank-${seq}` });
    const meta = Object.freeze({ currency: 'USD', prices: { 'gpt-4o': { input: 2, output: 8, cached_input: 1 } } });
    ctx.pluginMetadata = () => meta;
    ctx.shared.set('picked_ai_instance_name', 'x');
    ctx.vars.set('llm_model', 'gpt-4o');
    ctx.shared.set('ai_token_usage', { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 });
    ctx.shared.set('llm_raw_usage', { prompt_tokens: 1000, prompt_tokens_details: { cached_tokens: 600 } });
    await aiBudget.log!(ctx, state);
    expect(ctx.varMap.get('llm_cost')).toBe(String((400 * 2 + 600 * 1 + 100 * 8) / 1e6));
  });
});

describe('ai-budget (redis policy)', () => {
  let redis: RedisProcess;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis({ port: redis.port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('two pods share one spend counter in Redis, keyed by consumer and window', async () => {
    const conf = { budgets: [{ period: 'day', limit: 0.1 }], policy: 'redis', redis_host: '127.0.0.1', redis_port: redis.port };
    const podA = prepared(conf);
    const podB = prepared(conf);
    expect((await call(podA, { consumer: 'gina' })).status).toBeUndefined();
    expect((await call(podB, { consumer: 'gina' })).status).toBeUndefined();
    expect((await call(podA, { consumer: 'gina' })).status).toBeUndefined();
    expect((await call(podB, { consumer: 'gina' })).status).toBe(429);
    const day = new Date().toISOString().slice(0, 10);
    const key = `${BUDGET_REDIS_PREFIX}consumer:gina:day:${day}`;
    expect(await client.get(key)).toBe('120000');
    expect(await client.pttl(key)).toBeGreaterThan(3600_000);
    aiBudget.destroy!(podA);
    aiBudget.destroy!(podB);
  });

  it('answers 500 when Redis is unreachable, unless allow_degradation', async () => {
    const base = {
      budgets: [{ period: 'day', limit: 1 }],
      policy: 'redis',
      redis_host: '127.0.0.1',
      redis_port: 1,
      redis_timeout: 200,
    };
    const strict = prepared(base);
    expect(await call(strict, { consumer: 'hank' })).toMatchObject({
      status: 500,
      body: { error_msg: 'failed to read ai budget' },
    });
    const lenient = prepared({ ...base, allow_degradation: true });
    expect((await call(lenient, { consumer: 'hank' })).status).toBeUndefined();
    aiBudget.destroy!(strict);
    aiBudget.destroy!(lenient);
  });
});
