import { checkPluginConf } from '@portico/schemas';
import { startRedis, type RedisProcess } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from './fake-ctx.case.js';
import { aiRateLimiting, checkInstanceStatus, type AiRateLimitingConf } from './index.js';
import { resolveCount, runQuota } from './quota.js';
import { LocalCounterStore } from './store/local.js';
import { RedisCounterStore } from './store/redis.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
let routeSeq = 0;

/** Validate (defaults applied) and prepare a conf like the data plane would. */
function prepared(raw: Record<string, unknown>, resourceKey = `/apisix/routes/t${++routeSeq}`) {
  const conf = structuredClone(raw);
  const err = checkPluginConf(aiRateLimiting, conf, 'route');
  if (err) throw new Error(err);
  const state = aiRateLimiting.prepare!(conf as unknown as AiRateLimitingConf, { resourceKey, scope: 'route', services });
  return { conf: conf as unknown as AiRateLimitingConf, state };
}

/** One full request: access (dry run) then, when admitted, log with `tokens` used. */
async function request(
  p: ReturnType<typeof prepared>,
  opts: { instance?: string; tokens?: number; headers?: Record<string, string> } = {},
) {
  const ctx = fakeCtx({ headers: opts.headers ?? {} });
  ctx.shared.set('picked_ai_instance_name', opts.instance ?? 'ai-proxy-openai');
  const reply = await aiRateLimiting.access!(ctx, p.state);
  if (!reply && opts.tokens !== undefined) {
    ctx.shared.set('ai_token_usage', {
      prompt_tokens: opts.tokens / 2,
      completion_tokens: opts.tokens / 2,
      total_tokens: opts.tokens,
    });
  }
  await aiRateLimiting.log!(ctx, p.state);
  return { reply: reply ?? undefined, headers: ctx.respHeaders, logs: ctx.logs };
}

describe('ai-rate-limiting schema (ai-rate-limiting.t TEST 1)', () => {
  const table: { conf: Record<string, unknown>; err: string | undefined }[] = [
    { conf: { time_window: 60 }, err: 'property "limit" is required when "time_window" is set' },
    { conf: { limit: 30 }, err: 'property "time_window" is required when "limit" is set' },
    {
      conf: { limit: 30, time_window: 60, rejected_code: 199 },
      err: 'property "rejected_code" validation failed: expected 199 to be at least 200',
    },
    {
      conf: { limit: 30, time_window: 60, limit_strategy: 'invalid' },
      err: 'property "limit_strategy" validation failed: matches none of the enum values',
    },
    {
      conf: {
        instances: [
          { name: 'a', limit: 1, time_window: 1 },
          { limit: 1, time_window: 1 },
        ],
      },
      err: 'property "instances" validation failed: failed to validate item 2: property "name" is required',
    },
    {
      conf: { time_window: 60, instances: [{ name: 'a', limit: 1, time_window: 1 }] },
      err: 'property "limit" is required when "time_window" is set',
    },
    {
      conf: { limit: 30, instances: [{ name: 'a', limit: 1, time_window: 1 }] },
      err: 'property "time_window" is required when "limit" is set',
    },
    { conf: { instances: [{ name: 'a', limit: 1, time_window: 1 }] }, err: undefined },
    {
      conf: {
        limit: 30,
        time_window: 60,
        instances: [{ name: 'a', limit: 1, time_window: 1 }],
        rejected_msg: 'rate limit exceeded',
      },
      err: undefined,
    },
    {
      conf: { instances: [{ name: 'a', limit: 1, time_window: 1 }], rules: [{ count: 1, time_window: 1, key: '$remote_addr' }] },
      err: 'value should match only one schema, but matches both schemas 1 and 2',
    },
    { conf: { limit: 10, time_window: 60, policy: 'redis' }, err: 'then clause did not match' },
    { conf: { limit: 10, time_window: 60, policy: 'redis', redis_host: '127.0.0.1' }, err: undefined },
    {
      conf: {
        limit: 10,
        time_window: 60,
        policy: 'redis-cluster',
        redis_cluster_nodes: ['127.0.0.1:7000'],
        redis_cluster_name: 'c',
      },
      err: undefined,
    },
    {
      conf: { limit: 10, time_window: 60, policy: 'redis-sentinel' },
      err: 'property "policy" validation failed: matches none of the enum values',
    },
  ];
  for (const t of table) {
    it(`${JSON.stringify(t.conf)} → ${t.err ?? 'passed'}`, () => {
      const err = checkPluginConf(aiRateLimiting, structuredClone(t.conf), 'route');
      if (t.err === undefined) expect(err).toBeUndefined();
      else expect(err).toBe(t.err);
    });
  }

  it('applies the defaults (rejected_code 503, total_tokens, policy local, headers shown)', () => {
    const { conf } = prepared({ limit: 1, time_window: 1 });
    expect(conf).toMatchObject({
      rejected_code: 503,
      limit_strategy: 'total_tokens',
      policy: 'local',
      show_limit_quota_header: true,
      allow_degradation: false,
    });
  });
});

describe('quota rules (table-driven, local store)', () => {
  const q = (limit: number, timeWindow = 60) => ({
    key: 'k',
    limit,
    timeWindow,
    headers: { limit: 'L', remaining: 'R', reset: 'S' },
  });
  it.each([
    {
      name: 'dry run on a fresh key reports limit−1 and the full window',
      ops: [] as number[],
      dry: 1,
      limit: 30,
      want: { kind: 'pass', limit: 30, remaining: 29, reset: 60 },
    },
    {
      name: 'dry run after 10 tokens reports 19',
      ops: [10],
      dry: 1,
      limit: 30,
      want: { kind: 'pass', limit: 30, remaining: 19, reset: 60 },
    },
    {
      name: 'dry run with exactly one token left passes with 0',
      ops: [29],
      dry: 1,
      limit: 30,
      want: { kind: 'pass', limit: 30, remaining: 0, reset: 60 },
    },
    { name: 'dry run with nothing left rejects', ops: [30], dry: 1, limit: 30, want: { kind: 'rejected', limit: 30, reset: 60 } },
    {
      name: 'an overshooting commit makes the next dry run reject',
      ops: [25, 25],
      dry: 1,
      limit: 30,
      want: { kind: 'rejected', limit: 30, reset: 60 },
    },
  ])('$name', async ({ ops, dry, limit, want }) => {
    const store = new LocalCounterStore(() => 1_000_000);
    for (const c of ops) await runQuota(store, 'k', q(limit), c, false);
    expect(await runQuota(store, 'k', q(limit), dry, true)).toEqual(want);
  });

  it('opens the window on the first commit and resets it after time_window', async () => {
    let now = 0;
    const store = new LocalCounterStore(() => now);
    await runQuota(store, 'k', q(30, 60), 30, false);
    now = 59_000;
    expect(await runQuota(store, 'k', q(30, 60), 1, true)).toEqual({ kind: 'rejected', limit: 30, reset: 1 });
    now = 60_000;
    expect(await runQuota(store, 'k', q(30, 60), 1, true)).toEqual({ kind: 'pass', limit: 30, remaining: 29, reset: 60 });
  });

  it.each([
    { v: 10, want: 10 },
    { v: '${http_count ?? 10}', want: 10 },
    { v: '${http_x_count ?? 10}', want: 7 },
    { v: '${http_missing}', want: 'resolved value is not a number' },
    { v: '${http_neg ?? -3}', want: 'resolved value must be a positive number, got: -3' },
    { v: '${http_f ?? 1.5}', want: 'resolved value must be an integer, got: 1.5' },
  ])('resolves $v to $want', ({ v, want }) => {
    expect(resolveCount(v, (n) => ({ http_x_count: '7' })[n])).toBe(want);
  });
});

describe('ai-rate-limiting plugin (local policy)', () => {
  it('admits 29, 19, 9 then rejects with Remaining 0 for limit 30 and 10 tokens per response', async () => {
    const p = prepared({ limit: 30, time_window: 60 });
    const seen: (string | undefined)[] = [];
    const statuses: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await request(p, { tokens: 10 });
      seen.push(r.headers['X-AI-RateLimit-Remaining-ai-proxy-openai']);
      statuses.push(r.reply?.status);
    }
    expect(seen).toEqual(['29', '19', '9', '0']);
    expect(statuses).toEqual([undefined, undefined, undefined, 503]);
  });

  it('counts completion_tokens only with limit_strategy completion_tokens (19, 14, 9, 4, reject)', async () => {
    const p = prepared({ limit: 20, time_window: 60, limit_strategy: 'completion_tokens' });
    const seen: string[] = [];
    for (let i = 0; i < 5; i++)
      seen.push((await request(p, { tokens: 10 })).headers['X-AI-RateLimit-Remaining-ai-proxy-openai']!);
    expect(seen).toEqual(['19', '14', '9', '4', '0']);
  });

  it('sets Limit/Remaining/Reset headers named after the instance', async () => {
    const p = prepared({ limit: 30, time_window: 60 });
    const r = await request(p);
    expect(r.headers).toEqual({
      'X-AI-RateLimit-Limit-ai-proxy-openai': '30',
      'X-AI-RateLimit-Remaining-ai-proxy-openai': '29',
      'X-AI-RateLimit-Reset-ai-proxy-openai': '60',
    });
  });

  it('rejects with {"error_msg":"<rejected_msg>"} and the configured rejected_code', async () => {
    const p = prepared({ limit: 10, time_window: 60, rejected_code: 429, rejected_msg: 'rate limit exceeded' });
    await request(p, { tokens: 10 });
    const r = await request(p);
    expect(r.reply).toEqual({ status: 429, body: { error_msg: 'rate limit exceeded' } });
  });

  it('omits the quota headers when show_limit_quota_header is false', async () => {
    const p = prepared({ limit: 30, time_window: 60, show_limit_quota_header: false });
    expect((await request(p)).headers).toEqual({});
  });

  it('uses a per-instance entry over the global limit and keeps counters per instance', async () => {
    const p = prepared({ limit: 100, time_window: 60, instances: [{ name: 'deepseek', limit: 20, time_window: 60 }] });
    expect((await request(p, { instance: 'deepseek', tokens: 20 })).headers['X-AI-RateLimit-Limit-deepseek']).toBe('20');
    expect((await request(p, { instance: 'deepseek' })).reply?.status).toBe(503);
    expect((await request(p, { instance: 'openai' })).headers['X-AI-RateLimit-Remaining-openai']).toBe('99');
  });

  it('leaves an instance without entry unlimited when there is no global limit', async () => {
    const p = prepared({ instances: [{ name: 'deepseek', limit: 20, time_window: 60 }] });
    const r = await request(p, { instance: 'openai', tokens: 1000 });
    expect(r.reply).toBeUndefined();
    expect(r.headers).toEqual({});
  });

  it('keeps separate counters per resource (consumer isolation)', async () => {
    const raw = { limit: 10, time_window: 60 };
    const jack = prepared(raw, '/apisix/consumers/jack');
    const jane = prepared(raw, '/apisix/consumers/jane');
    await request(jack, { tokens: 10 });
    expect((await request(jack)).reply?.status).toBe(503);
    expect((await request(jane)).reply).toBeUndefined();
  });

  it('does nothing without a picked instance', async () => {
    const p = prepared({ limit: 1, time_window: 60 });
    const ctx = fakeCtx();
    expect(await aiRateLimiting.access!(ctx, p.state)).toBeUndefined();
    expect(ctx.respHeaders).toEqual({});
  });

  it('logs `failed to get token usage for llm service` when no usage was recorded', async () => {
    const p = prepared({ limit: 30, time_window: 60 });
    const r = await request(p);
    expect(r.logs).toContainEqual({ level: 'error', msg: 'failed to get token usage for llm service' });
  });

  it('resolves ${http_count ?? 10} limits per request', async () => {
    const p = prepared({ limit: '${http_count ?? 10}', time_window: 60 });
    expect((await request(p)).headers['X-AI-RateLimit-Limit-ai-proxy-openai']).toBe('10');
    expect((await request(p, { headers: { count: '50' } })).headers['X-AI-RateLimit-Limit-ai-proxy-openai']).toBe('50');
  });

  it('returns 500 with an empty body when a limit variable does not resolve to a number', async () => {
    const p = prepared({ limit: '${http_count}', time_window: 60 });
    const r = await request(p);
    expect(r.reply).toEqual({ status: 500 });
    expect(r.logs).toContainEqual({ level: 'error', msg: 'failed to get rate limit rules: resolved value is not a number' });
  });
});

describe('ai-rate-limiting rules mode', () => {
  const raw = {
    rules: [
      { count: 20, time_window: 10, key: '${http_user}' },
      { count: 30, time_window: 10, key: '${http_project}', header_prefix: 'Project' },
    ],
  };

  it('emits X-AI-<index>-RateLimit-* and X-AI-<prefix>-RateLimit-* headers', async () => {
    const p = prepared(raw);
    const r = await request(p, { headers: { user: 'u1', project: 'p1' } });
    expect(r.headers).toEqual({
      'X-AI-1-RateLimit-Limit': '20',
      'X-AI-1-RateLimit-Remaining': '19',
      'X-AI-1-RateLimit-Reset': '10',
      'X-AI-Project-RateLimit-Limit': '30',
      'X-AI-Project-RateLimit-Remaining': '29',
      'X-AI-Project-RateLimit-Reset': '10',
    });
  });

  it('skips rules whose key variable is unset and counts per resolved key', async () => {
    const p = prepared(raw);
    await request(p, { headers: { user: 'u1' }, tokens: 20 });
    expect((await request(p, { headers: { user: 'u1' } })).reply?.status).toBe(503);
    const other = await request(p, { headers: { user: 'u2' } });
    expect(other.reply).toBeUndefined();
    expect(Object.keys(other.headers)).toEqual([
      'X-AI-1-RateLimit-Limit',
      'X-AI-1-RateLimit-Remaining',
      'X-AI-1-RateLimit-Reset',
    ]);
  });

  it('returns 500 and logs when no rule applies', async () => {
    const r = await request(prepared(raw));
    expect(r.reply).toEqual({ status: 500 });
    expect(r.logs[0]).toEqual({ level: 'error', msg: 'failed to get rate limit rules: no applicable rules' });
  });
});

describe('checkInstanceStatus', () => {
  it('is false once the instance quota is spent and true for other instances or without the plugin', async () => {
    const p = prepared({ instances: [{ name: 'a', limit: 10, time_window: 60 }] });
    await request(p, { instance: 'a', tokens: 10 });
    const ctx = fakeCtx({ plugins: [[aiRateLimiting, p.conf, p.state]] });
    expect(await checkInstanceStatus(ctx, 'a')).toBe(false);
    expect(await checkInstanceStatus(ctx, 'b')).toBe(true);
    expect(ctx.respHeaders).toEqual({});
    expect(await checkInstanceStatus(fakeCtx(), 'a')).toBe(true);
  });
});

describe('ai-rate-limiting with policy redis (real redis-server)', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.cleanup();
  });

  const redisConf = () => ({
    limit: 30,
    time_window: 60,
    policy: 'redis',
    redis_host: '127.0.0.1',
    redis_port: redis.port,
    redis_timeout: 300,
  });

  it('shares one counter between two pods (independent connections)', async () => {
    const confA = structuredClone(redisConf());
    checkPluginConf(aiRateLimiting, confA, 'route');
    const podA = RedisCounterStore.open(confA as unknown as AiRateLimitingConf);
    const podB = RedisCounterStore.open(confA as unknown as AiRateLimitingConf);
    const q = { key: 'k', limit: 30, timeWindow: 60, headers: { limit: 'L', remaining: 'R', reset: 'S' } };
    try {
      expect(await runQuota(podA, 'shared-key', q, 1, true)).toEqual({ kind: 'pass', limit: 30, remaining: 29, reset: 60 });
      await runQuota(podA, 'shared-key', q, 10, false);
      await runQuota(podB, 'shared-key', q, 10, false);
      expect(await runQuota(podB, 'shared-key', q, 1, true)).toMatchObject({ kind: 'pass', remaining: 9 });
      await runQuota(podA, 'shared-key', q, 10, false);
      expect(await runQuota(podB, 'shared-key', q, 1, true)).toMatchObject({ kind: 'rejected' });
    } finally {
      podA.release();
      podB.release();
    }
  });

  it('runs the plugin end to end: 29, 19, 9 then 503, counters in Redis', async () => {
    const p = prepared(redisConf());
    try {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++)
        seen.push((await request(p, { tokens: 10 })).headers['X-AI-RateLimit-Remaining-ai-proxy-openai']!);
      expect(seen).toEqual(['29', '19', '9', '0']);
    } finally {
      aiRateLimiting.destroy!(p.state);
    }
  });

  it('rejects with 500 {"error_msg":"failed to limit count"} when Redis is down, or admits with allow_degradation', async () => {
    const strict = prepared(redisConf());
    const lenient = prepared({ ...redisConf(), allow_degradation: true });
    await redis.stop();
    try {
      const r1 = await request(strict);
      expect(r1.reply).toEqual({ status: 500, body: { error_msg: 'failed to limit count' } });
      expect(r1.logs.some((l) => l.level === 'error' && l.msg.startsWith('failed to limit count: '))).toBe(true);
      const r2 = await request(lenient);
      expect(r2.reply).toBeUndefined();
      expect(r2.logs.some((l) => l.level === 'error' && l.msg.startsWith('failed to limit count: '))).toBe(true);
    } finally {
      aiRateLimiting.destroy!(strict.state);
      aiRateLimiting.destroy!(lenient.state);
      await redis.start();
    }
  });
});
