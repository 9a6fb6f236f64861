import { createServer, type Server } from 'node:http';
import type { Reply } from '@portico/plugin-sdk';
import { checkPluginConf } from '@portico/schemas';
import { startMockLlm, type MockLlm } from '@portico/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { aiRateLimiting, type AiRateLimitingConf } from '../ai-rate-limiting/index.js';
import { aiProxyMulti, fallsBackOn, type AiProxyMultiConf } from './index.js';
import type { MultiState } from './state.js';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const services = { logger, prefixDir: '.' };
const chat = { messages: [{ role: 'user', content: 'What is 1+1?' }] };
const auth = { header: { Authorization: 'Bearer token' } };

const valid = (c: Record<string, unknown>) => checkPluginConf(aiProxyMulti, structuredClone(c), 'route');
const inst = (name: string, extra: Record<string, unknown> = {}) => ({ name, provider: 'openai', weight: 1, auth, ...extra });

describe('ai-proxy-multi schema and check', () => {
  const table: { name: string; conf: Record<string, unknown>; err: string | undefined }[] = [
    { name: 'requires instances', conf: {}, err: 'property "instances" is required' },
    {
      name: 'requires weight',
      conf: { instances: [{ name: 'a', provider: 'openai', auth }] },
      err: 'property "instances" validation failed: failed to validate item 1: property "weight" is required',
    },
    {
      name: 'rejects an unknown provider',
      conf: { instances: [inst('a', { provider: 'nope' })] },
      err: 'property "instances" validation failed: failed to validate item 1: property "provider" validation failed: matches none of the enum values',
    },
    { name: 'accepts the minimal config', conf: { instances: [inst('a')] }, err: undefined },
    {
      name: 'rejects duplicate instance names (3.18)',
      conf: { instances: [inst('a'), inst('b'), inst('a')] },
      err: "duplicate instance name 'a' at instances[1] and instances[3]",
    },
    {
      name: 'rejects an invalid endpoint',
      conf: { instances: [inst('a', { override: { endpoint: 'http//localhost:6724' } })] },
      err: 'invalid endpoint',
    },
    {
      name: 'accepts an http endpoint with port and path',
      conf: { instances: [inst('a', { override: { endpoint: 'http://127.0.0.1:6724/v1/chat/completions' } })] },
      err: undefined,
    },
    {
      name: 'rejects bad gcp json',
      conf: { instances: [inst('a', { auth: { gcp: { service_account_json: '{' } } })] },
      err: undefined,
    },
    {
      name: 'chash needs a key unless hash_on consumer',
      conf: { instances: [inst('a')], balancer: { algorithm: 'chash' } },
      err: 'must configure `hash_key` when balancer `hash_on` is not set to cookie',
    },
    {
      name: 'chash with hash_on consumer needs no key',
      conf: { instances: [inst('a')], balancer: { algorithm: 'chash', hash_on: 'consumer' } },
      err: undefined,
    },
    {
      name: 'chash vars key must be a known var',
      conf: { instances: [inst('a')], balancer: { algorithm: 'chash', key: 'bad var' } },
      err: 'invalid configuration: failed to match pattern "^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$" with "bad var"',
    },
    {
      name: 'chash header key accepted',
      conf: { instances: [inst('a')], balancer: { algorithm: 'chash', hash_on: 'header', key: 'X-User' } },
      err: undefined,
    },
    {
      name: 'fallback_strategy string form has no rate_limiting',
      conf: { instances: [inst('a')], fallback_strategy: 'rate_limiting' },
      err: 'property "fallback_strategy" validation failed: object matches none of the required',
    },
    {
      name: 'fallback_strategy array form accepts rate_limiting',
      conf: { instances: [inst('a')], fallback_strategy: ['rate_limiting', 'http_429', 'http_5xx'] },
      err: undefined,
    },
    {
      name: 'fallback_strategy string instance_health_and_rate_limiting',
      conf: { instances: [inst('a')], fallback_strategy: 'instance_health_and_rate_limiting' },
      err: undefined,
    },
    {
      name: 'vertex-ai needs provider_conf or override',
      conf: { instances: [inst('v', { provider: 'vertex-ai' })] },
      err: 'property "instances" validation failed: failed to validate item 1: then clause did not match',
    },
    {
      name: 'vertex-ai rejects both provider_conf and override',
      conf: {
        instances: [
          inst('v', {
            provider: 'vertex-ai',
            provider_conf: { project_id: 'p', region: 'r' },
            override: { endpoint: 'http://x:1/' },
          }),
        ],
      },
      err: 'property "instances" validation failed: failed to validate item 1: then clause did not match',
    },
    {
      name: 'vertex-ai with provider_conf passes',
      conf: { instances: [inst('v', { provider: 'vertex-ai', provider_conf: { project_id: 'p', region: 'r' } })] },
      err: undefined,
    },
    {
      name: 'fallback_http_statuses must be 400..599',
      conf: { instances: [inst('a')], fallback_http_statuses: [399] },
      err: 'property "fallback_http_statuses" validation failed: failed to validate item 1: expected 399 to be at least 400',
    },
    {
      name: 'max_retries must be ≥ 0',
      conf: { instances: [inst('a')], max_retries: -1 },
      err: 'property "max_retries" validation failed: expected -1 to be at least 0',
    },
    {
      name: 'checks requires active',
      conf: { instances: [inst('a', { checks: {} })] },
      err: 'property "instances" validation failed: failed to validate item 1: property "checks" validation failed: property "active" is required',
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      const err = valid(t.conf);
      if (t.name === 'rejects bad gcp json') expect(err).toMatch(/^invalid gcp service_account_json: /);
      else expect(err).toBe(t.err);
    });
  }

  it('defaults balancer to roundrobin, priority to 0 and the transport fields', () => {
    const c = structuredClone({ instances: [inst('a')] }) as Record<string, unknown>;
    expect(valid(c)).toBeUndefined();
    checkPluginConf(aiProxyMulti, c, 'route');
    expect(c).toMatchObject({
      balancer: { algorithm: 'roundrobin' },
      timeout: 30000,
      keepalive: true,
      keepalive_pool: 30,
      ssl_verify: true,
    });
    expect((c.instances as { priority: number }[])[0]!.priority).toBe(0);
  });
});

describe('fallback decisions (table-driven)', () => {
  it.each([
    { s: 'http_429', extra: undefined, status: 429, want: true },
    { s: ['http_429'], extra: undefined, status: 429, want: true },
    { s: 'http_429', extra: undefined, status: 500, want: false },
    { s: ['http_5xx'], extra: undefined, status: 502, want: true },
    { s: ['http_5xx'], extra: undefined, status: 504, want: true },
    { s: ['http_5xx'], extra: undefined, status: 429, want: false },
    { s: 'instance_health_and_rate_limiting', extra: undefined, status: 429, want: false },
    { s: ['rate_limiting'], extra: undefined, status: 500, want: false },
    { s: undefined, extra: undefined, status: 500, want: false },
    { s: ['http_5xx'], extra: undefined, status: 401, want: false },
    { s: undefined, extra: [401, 402], status: 401, want: true },
    { s: ['http_429'], extra: [401], status: 400, want: false },
  ] as const)('strategy $s extra $extra status $status → $want', ({ s, extra, status, want }) => {
    expect(fallsBackOn(s as AiProxyMultiConf['fallback_strategy'], extra as number[] | undefined, status)).toBe(want);
  });
});

async function bodyText(reply: Reply | undefined | void): Promise<string> {
  const b = reply?.body;
  if (b === undefined) return '';
  if (typeof b === 'string') return b;
  if (b instanceof Uint8Array) return Buffer.from(b).toString('utf8');
  if (typeof b === 'object' && b !== null && Symbol.asyncIterator in b) {
    const parts: Buffer[] = [];
    for await (const c of b as AsyncIterable<Uint8Array>) parts.push(Buffer.from(c));
    return Buffer.concat(parts).toString('utf8');
  }
  return `${JSON.stringify(b)}\n`;
}

const states: MultiState[] = [];
function prepare(raw: Record<string, unknown>): { conf: AiProxyMultiConf; state: MultiState } {
  const conf = structuredClone(raw);
  const err = checkPluginConf(aiProxyMulti, conf, 'route');
  if (err) throw new Error(err);
  const state = aiProxyMulti.prepare!(conf as unknown as AiProxyMultiConf, {
    resourceKey: '/apisix/routes/1',
    scope: 'route',
    services,
  });
  states.push(state);
  return { conf: conf as unknown as AiProxyMultiConf, state };
}
afterEach(() => {
  while (states.length) aiProxyMulti.destroy!(states.pop()!);
});

/** access → beforeProxy → log, as the pipeline runs them; returns status, body and picked name. */
async function run(p: { conf: AiProxyMultiConf; state: MultiState }, extra: Parameters<typeof fakeCtx>[0] = {}) {
  const ctx = fakeCtx({ body: chat, ...extra, plugins: [[aiProxyMulti, p.conf, p.state], ...(extra.plugins ?? [])] });
  const rl = ctx.plugins.get('ai-rate-limiting');
  let reply = (await aiProxyMulti.access!(ctx, p.state)) ?? undefined;
  if (!reply && rl) reply = (await rl.module.access!(ctx, rl.state)) ?? undefined;
  if (!reply) reply = (await aiProxyMulti.beforeProxy!(ctx, p.state)) ?? undefined;
  const text = await bodyText(reply);
  await aiProxyMulti.log!(ctx, p.state);
  if (rl) await rl.module.log!(ctx, rl.state);
  return { status: reply?.status, text, picked: ctx.shared.get('picked_ai_instance_name') as string | undefined, ctx };
}

describe('ai-proxy-multi against mock LLMs', () => {
  let openai: MockLlm;
  let deepseek: MockLlm;
  let deadPort: number;
  beforeAll(async () => {
    openai = await startMockLlm({ content: 'from openai' });
    deepseek = await startMockLlm({ content: 'from deepseek' });
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    deadPort = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
  });
  afterAll(async () => {
    await openai?.close();
    await deepseek?.close();
  });
  afterEach(() => {
    openai.setBehavior(undefined);
    deepseek.setBehavior(undefined);
  });

  const ep = (m: MockLlm) => ({ endpoint: `${m.url}/v1/chat/completions` });
  const two = (extra: Record<string, unknown> = {}, a: Record<string, unknown> = {}, b: Record<string, unknown> = {}) => ({
    instances: [
      { name: 'openai-instance', provider: 'openai', weight: 8, auth, options: { model: 'gpt-4' }, override: ep(openai), ...a },
      {
        name: 'deepseek-instance',
        provider: 'deepseek',
        weight: 2,
        auth,
        options: { model: 'deepseek-chat' },
        override: ep(deepseek),
        ...b,
      },
    ],
    ...extra,
  });

  it('splits 10 requests 8/2 for weights 8 and 2 (OpenAI responses: 8, DeepSeek responses: 2)', async () => {
    const p = prepare(two());
    const texts: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await run(p);
      expect(r.status).toBe(200);
      texts.push(JSON.parse(r.text).choices[0].message.content);
    }
    expect(texts.filter((t) => t === 'from openai').length).toBe(8);
    expect(texts.filter((t) => t === 'from deepseek').length).toBe(2);
  });

  it('falls back from the higher priority instance on 429 with http_429', async () => {
    openai.setBehavior({ status: 429 });
    const p = prepare(two({ fallback_strategy: ['http_429'] }, { priority: 1 }, { priority: 0 }));
    const before = openai.requests.length;
    const r = await run(p);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).choices[0].message.content).toBe('from deepseek');
    expect(r.picked).toBe('deepseek-instance');
    expect(openai.requests.length - before).toBe(1);
    expect(
      r.ctx.logs.some(
        (l) =>
          l.level === 'warn' &&
          l.msg.startsWith(
            'ai instance openai-instance returned status 429, falling back to deepseek-instance. upstream error body: {"error":',
          ),
      ),
    ).toBe(true);
  });

  it('rebuilds the body per attempt: each instance gets its own options.model', async () => {
    openai.setBehavior({ status: 500 });
    const p = prepare(two({ fallback_strategy: 'http_5xx' }, { priority: 1 }));
    await run(p);
    expect((openai.requests.at(-1)!.json as { model: string }).model).toBe('gpt-4');
    expect((deepseek.requests.at(-1)!.json as { model: string }).model).toBe('deepseek-chat');
  });

  it('does not fall back on 429 when the strategy only has http_5xx, and returns the upstream 429 body', async () => {
    openai.setBehavior({ status: 429 });
    const p = prepare(two({ fallback_strategy: ['http_5xx'] }, { priority: 1 }));
    const r = await run(p);
    expect(r.status).toBe(429);
    expect(JSON.parse(r.text).error.code).toBe('rate_limit_exceeded');
  });

  it('treats a refused connection as 5xx and serves every request from the fallback', async () => {
    const p = prepare(
      two(
        { fallback_strategy: ['http_5xx'] },
        { priority: 1, override: { endpoint: `http://127.0.0.1:${deadPort}/v1/chat/completions` } },
      ),
    );
    for (let i = 0; i < 3; i++) {
      const r = await run(p);
      expect(r.status).toBe(200);
      expect(r.picked).toBe('deepseek-instance');
    }
  });

  it('answers 502 with the last upstream error body when every instance fails', async () => {
    openai.setBehavior({ status: 429 });
    deepseek.setBehavior({ status: 500, errorBody: { error: 'deepseek down' } });
    const p = prepare(two({ fallback_strategy: ['http_429', 'http_5xx'] }, { priority: 10 }, { priority: 0 }));
    const r = await run(p);
    expect(r.status).toBe(502);
    expect(r.text).toBe('{"error":"deepseek down"}');
    expect(r.ctx.logs).toContainEqual({ level: 'error', msg: 'failed to pick new AI instance: all servers tried' });
  });

  it("stops after max_retries and returns that attempt's status and body", async () => {
    openai.setBehavior({ status: 500, errorBody: 'openai down' });
    deepseek.setBehavior({ status: 500, errorBody: 'deepseek down' });
    const p = prepare(two({ fallback_strategy: ['http_5xx'], max_retries: 0 }, { priority: 1 }));
    const r = await run(p);
    expect(r.status).toBe(500);
    expect(r.text).toBe('openai down');
    expect(r.ctx.logs).toContainEqual({ level: 'warn', msg: 'reached max_retries 0, not retrying' });
  });

  it('falls back on statuses listed in fallback_http_statuses', async () => {
    openai.setBehavior({ status: 401 });
    const p = prepare(two({ fallback_http_statuses: [401] }, { priority: 1 }));
    const r = await run(p);
    expect(r.status).toBe(200);
    expect(r.picked).toBe('deepseek-instance');
  });

  it('never falls back on a plain 400 and passes it through', async () => {
    openai.setBehavior({ status: 400 });
    const p = prepare(two({ fallback_strategy: ['http_429', 'http_5xx'] }, { priority: 1 }));
    const r = await run(p);
    expect(r.status).toBe(400);
    expect(r.picked).toBe('openai-instance');
  });

  it('with one instance uses it directly and never falls back (upstream 500 reaches the client)', async () => {
    openai.setBehavior({ status: 500, errorBody: 'boom' });
    const p = prepare({ instances: [two().instances[0]], fallback_strategy: ['http_5xx'] });
    const r = await run(p);
    expect(r.status).toBe(500);
    expect(r.text).toBe('boom');
  });

  it('streams the first instance that answers and keeps the SSE bytes intact', async () => {
    openai.setBehavior({ status: 503 });
    const p = prepare(two({ fallback_strategy: ['http_5xx'] }, { priority: 1 }));
    const r = await run(p, { body: { ...chat, stream: true } });
    expect(r.status).toBe(200);
    expect(r.text).toContain('data: [DONE]');
    expect(r.text).toContain('from ');
  });

  it('maps the same chash key to the same instance', async () => {
    const p = prepare(two({ balancer: { algorithm: 'chash', hash_on: 'header', key: 'X-User' } }));
    const picks = new Set<string>();
    for (let i = 0; i < 5; i++) picks.add((await run(p, { headers: { 'x-user': 'alice' } })).picked!);
    expect(picks.size).toBe(1);
  });

  describe('with ai-rate-limiting', () => {
    function limiter(raw: Record<string, unknown>) {
      const conf = structuredClone(raw);
      expect(checkPluginConf(aiRateLimiting, conf, 'route')).toBeUndefined();
      const state = aiRateLimiting.prepare!(conf as unknown as AiRateLimitingConf, {
        resourceKey: `/apisix/routes/rl${Math.random()}`,
        scope: 'route',
        services,
      });
      return [aiRateLimiting, conf, state] as [typeof aiRateLimiting, unknown, unknown];
    }

    it('skips an instance over quota with rate_limiting and answers 503 `all upstream servers tried` when all are', async () => {
      const rl = limiter({
        instances: [
          { name: 'openai-instance', limit: 10, time_window: 60 },
          { name: 'deepseek-instance', limit: 10, time_window: 60 },
        ],
      });
      const p = prepare(two({ fallback_strategy: ['rate_limiting'] }));
      const picks: (string | undefined)[] = [];
      const statuses: (number | undefined)[] = [];
      let last = '';
      for (let i = 0; i < 3; i++) {
        const r = await run(p, { plugins: [rl] });
        picks.push(r.status === 200 ? r.picked : undefined);
        statuses.push(r.status);
        last = r.text;
      }
      // 31 tokens per response: each instance admits one request, then is skipped.
      expect(statuses).toEqual([200, 200, 503]);
      expect(new Set(picks.slice(0, 2))).toEqual(new Set(['openai-instance', 'deepseek-instance']));
      expect(last).toBe('all upstream servers tried');
    });

    it('answers `all servers tried` across priorities', async () => {
      const rl = limiter({ limit: 10, time_window: 60 });
      const p = prepare(two({ fallback_strategy: 'instance_health_and_rate_limiting' }, { priority: 1 }));
      const r1 = await run(p, { plugins: [rl] });
      const r2 = await run(p, { plugins: [rl] });
      const r3 = await run(p, { plugins: [rl] });
      expect([r1.picked, r2.picked, r3.status, r3.text]).toEqual([
        'openai-instance',
        'deepseek-instance',
        503,
        'all servers tried',
      ]);
    });

    it('without a rate_limiting strategy lets ai-rate-limiting reject with its rejected_code', async () => {
      const rl = limiter({ limit: 10, time_window: 60, rejected_code: 429 });
      const p = prepare(two({}, { priority: 1 }));
      await run(p, { plugins: [rl] });
      const r = await run(p, { plugins: [rl] });
      expect(r.status).toBe(429);
      expect(r.picked).toBe('openai-instance');
    });
  });

  describe('active health checks', () => {
    let health: Server;
    let healthPort: number;
    let status = 200;
    let probes: { url?: string; auth?: string }[] = [];
    beforeAll(async () => {
      health = createServer((req, res) => {
        probes.push({ url: req.url, auth: req.headers.authorization });
        res.statusCode = status;
        res.end();
      });
      await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
      healthPort = (health.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((r) => health.close(r));
    });

    it('avoids an unhealthy instance within its interval, probing with the instance auth, and stops probing on destroy', async () => {
      status = 200;
      probes = [];
      const checks = {
        active: {
          port: healthPort,
          http_path: '/status',
          healthy: { interval: 1, successes: 1 },
          unhealthy: { interval: 1, http_failures: 1 },
        },
      };
      const p = prepare(two({}, { checks, weight: 1 }, { weight: 1 }));
      status = 500;
      const deadline = Date.now() + 4000;
      while (p.state.checkers.get('openai-instance')!.healthy && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(p.state.checkers.get('openai-instance')!.healthy).toBe(false);
      for (let i = 0; i < 4; i++) expect((await run(p)).picked).toBe('deepseek-instance');
      expect(probes[0]).toEqual({ url: '/status', auth: 'Bearer token' });
      aiProxyMulti.destroy!(states.pop()!);
      const n = probes.length;
      await new Promise((r) => setTimeout(r, 1300));
      expect(probes.length).toBe(n);
    });

    it('uses every instance when all are unhealthy', async () => {
      status = 500;
      const checks = { active: { port: healthPort, healthy: { interval: 1 }, unhealthy: { interval: 1, http_failures: 1 } } };
      const p = prepare(two({}, { checks, weight: 1 }, { checks, weight: 1 }));
      const deadline = Date.now() + 4000;
      while ([...p.state.checkers.values()].some((c) => c.healthy) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const picks = new Set<string>();
      for (let i = 0; i < 4; i++) picks.add((await run(p)).picked!);
      expect(picks).toEqual(new Set(['openai-instance', 'deepseek-instance']));
    });
  });
});
