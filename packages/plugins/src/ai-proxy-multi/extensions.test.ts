// Portico extensions of ai-proxy-multi (docs/extensions.md) and the 3.17+ retry bounds, against
// the fault-injecting mock provider on real sockets.
import type { PushBody, Reply } from '@portico/plugin-sdk';
import { checkPluginConf } from '@portico/schemas';
import { startMockFaults, type Fault, type MockFaults } from '@portico/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalCooldowns } from '../pod-shared/cooldown-client.js';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { aiProxyMulti, type AiProxyMultiConf } from './index.js';
import { prepareMulti, type MultiState } from './state.js';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const services = { logger, prefixDir: '.' };
const auth = { header: { Authorization: 'Bearer token' } };
const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'What is 1+1?' }] };

let a: MockFaults;
let b: MockFaults;
let c: MockFaults;
beforeAll(async () => {
  a = await startMockFaults({ content: 'from a' });
  b = await startMockFaults({ content: 'from b' });
  c = await startMockFaults({ content: 'from c' });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), c?.close()]);
});
afterEach(() => {
  for (const m of [a, b, c]) m.configure({});
});

const inst = (name: string, m: MockFaults, extra: Record<string, unknown> = {}) => ({
  name,
  provider: 'openai-compatible',
  weight: 1,
  auth,
  override: { endpoint: `${m.url}/v1/chat/completions` },
  ...extra,
});

const states: MultiState[] = [];
afterEach(() => {
  while (states.length) aiProxyMulti.destroy!(states.pop()!);
});
function prepare(raw: Record<string, unknown>): { conf: AiProxyMultiConf; state: MultiState } {
  const conf = structuredClone(raw);
  const err = checkPluginConf(aiProxyMulti, conf, 'route');
  if (err) throw new Error(err);
  const env = { resourceKey: `/apisix/routes/${states.length}`, scope: 'route' as const, services };
  const state = prepareMulti(conf as unknown as AiProxyMultiConf, env, undefined, () => new LocalCooldowns());
  states.push(state);
  return { conf: conf as unknown as AiProxyMultiConf, state };
}

/** Collect a Reply body (PushBody, async iterable, bytes or JSON), with each write's arrival time. */
async function collect(
  reply: Reply | undefined,
): Promise<{ text: string; writes: { at: number; s: string }[]; destroyed: boolean }> {
  const b = reply?.body;
  const writes: { at: number; s: string }[] = [];
  if (b === undefined) return { text: '', writes, destroyed: false };
  if (typeof b === 'string' || b instanceof Uint8Array) return { text: Buffer.from(b).toString(), writes, destroyed: false };
  if (typeof (b as PushBody).pushTo === 'function' && !(Symbol.asyncIterator in (b as object))) {
    return new Promise((resolve) => {
      let destroyed = false;
      (b as PushBody).pushTo({
        write: (chunk) => {
          writes.push({ at: Date.now(), s: Buffer.from(chunk).toString() });
          return true;
        },
        onDrain: (cb) => cb(),
        end: () => resolve({ text: writes.map((w) => w.s).join(''), writes, destroyed }),
        destroy: () => {
          destroyed = true;
          resolve({ text: writes.map((w) => w.s).join(''), writes, destroyed });
        },
      });
    });
  }
  if (Symbol.asyncIterator in (b as object)) {
    try {
      for await (const ch of b as AsyncIterable<Uint8Array>) writes.push({ at: Date.now(), s: Buffer.from(ch).toString() });
    } catch {
      return { text: writes.map((w) => w.s).join(''), writes, destroyed: true };
    }
    return { text: writes.map((w) => w.s).join(''), writes, destroyed: false };
  }
  return { text: `${JSON.stringify(b)}\n`, writes, destroyed: false };
}

async function run(p: { conf: AiProxyMultiConf; state: MultiState }, body: unknown = chat, headers: Record<string, string> = {}) {
  const ctx = fakeCtx({ body, headers, plugins: [[aiProxyMulti, p.conf, p.state]] });
  const started = Date.now();
  let reply = (await aiProxyMulti.access!(ctx, p.state)) ?? undefined;
  if (!reply) reply = (await aiProxyMulti.beforeProxy!(ctx, p.state)) ?? undefined;
  const headAt = Date.now() - started;
  const out = await collect(reply ?? undefined);
  await aiProxyMulti.log!(ctx, p.state);
  return { status: reply?.status, headAt, started, ...out, picked: ctx.shared.get('picked_ai_instance_name'), ctx };
}

/** The assistant text of an SSE body (delta contents joined). */
function said(text: string): string {
  let out = '';
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const d = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] };
    out += d.choices?.[0]?.delta?.content ?? '';
  }
  return out;
}

const warned = (r: { ctx: { logs: { level: string; msg: string }[] } }, s: string) =>
  r.ctx.logs.some((l) => l.level === 'warn' && l.msg.includes(s));

describe('an APISIX configuration', () => {
  it('turns every extension off and keeps the schema defaults it had', () => {
    const p = prepare({ instances: [inst('a', a), inst('b', b)], fallback_strategy: ['http_5xx'] });
    expect(p.state.ext.least).toBeUndefined();
    expect(p.state.ext.router).toBeUndefined();
    expect(p.state.ext.cooldowns).toBeUndefined();
    expect(p.state.ext.streamFailover).toBe(false);
    expect(p.state.ext.keepaliveMs).toBeUndefined();
    for (const k of ['model_routing', 'stream_failover', 'cooldown', 'retry_on_failure_within_ms'])
      expect(p.conf).not.toHaveProperty(k);
    expect(p.conf.instances[0]).not.toHaveProperty('models');
    expect(p.conf.instances[0]).not.toHaveProperty('first_token_timeout_ms');
  });

  it('fills the extension defaults only when the extension is configured', () => {
    const p = prepare({ instances: [inst('a', a)], model_routing: {}, cooldown: {} });
    expect(p.conf.model_routing).toEqual({ allow_client_models: false, on_no_match: 'reject' });
    expect(p.conf.cooldown).toEqual({ max_fails: 3, fail_timeout: 10, duration: 30, honor_retry_after: true });
  });

  it.each([
    [
      { stream_failover: { keepalive_interval_ms: 50 } },
      'property "stream_failover" validation failed: property "keepalive_interval_ms" validation failed: expected 50 to be at least 100',
    ],
    [
      { model_routing: { on_no_match: 'first' } },
      'property "model_routing" validation failed: property "on_no_match" validation failed: matches none of the enum values',
    ],
    [
      { balancer: { algorithm: 'fastest' } },
      'property "balancer" validation failed: property "algorithm" validation failed: matches none of the enum values',
    ],
  ])('rejects %j with the schema message', (extra, msg) => {
    expect(checkPluginConf(aiProxyMulti, { instances: [inst('a', a)], ...extra }, 'route')).toBe(msg);
  });
});

describe('retry_on_failure_within_ms and max_retries (APISIX 3.17+)', () => {
  it('falls back after a fast failure within retry_on_failure_within_ms', async () => {
    a.configure({ fallback: { kind: 'status', status: 500 } });
    const p = prepare({
      instances: [inst('a', a, { priority: 1 }), inst('b', b)],
      fallback_strategy: ['http_5xx'],
      retry_on_failure_within_ms: 5000,
    });
    const r = await run(p);
    expect(r.status).toBe(200);
    expect(r.text).toContain('from b');
    expect(warned(r, 'ai instance a returned status 500, falling back to b. upstream error body: {"error":')).toBe(true);
  });

  it('returns a slow failure to the client with its body instead of falling back', async () => {
    a.configure({ fallback: { kind: 'status', status: 500, delayMs: 400 } });
    const p = prepare({
      instances: [inst('a', a, { priority: 1 }), inst('b', b)],
      fallback_strategy: ['http_5xx'],
      retry_on_failure_within_ms: 200,
    });
    const before = b.requests.length;
    const r = await run(p);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.text).error.message).toBe('mock fault: status 500');
    expect(b.requests.length).toBe(before);
    expect(warned(r, 'exceeding retry_on_failure_within_ms 200, not retrying')).toBe(true);
  });

  it('max_retries: 0 returns the first failure as it is (status and body)', async () => {
    a.configure({ fallback: { kind: 'status', status: 401 } });
    const p = prepare({
      instances: [inst('a', a, { priority: 1 }), inst('b', b)],
      fallback_http_statuses: [401, 402],
      max_retries: 0,
    });
    const r = await run(p);
    expect(r.status).toBe(401);
    expect(warned(r, 'reached max_retries 0, not retrying')).toBe(true);
  });

  it("keeps the request body intact across fallbacks: instance A's options never reach instance B", async () => {
    a.configure({ fallback: { kind: 'status', status: 500 } });
    const p = prepare({
      instances: [inst('a', a, { priority: 1, options: { model: 'model-a', temperature: 0.1, max_tokens: 5 } }), inst('b', b)],
      fallback_strategy: ['http_5xx'],
    });
    const raw = '{"model":"client-model",  "messages":[{"role":"user","content":"What is 1+1?"}], "top_p": 0.5}';
    const r = await run(p, raw);
    expect(r.status).toBe(200);
    expect(JSON.parse(a.requests.at(-1)!.body)).toEqual({
      ...JSON.parse(raw),
      model: 'model-a',
      temperature: 0.1,
      max_tokens: 5,
    });
    // B changes nothing, so it gets the client's bytes exactly as sent.
    expect(b.requests.at(-1)!.body).toBe(raw);
    expect(r.ctx.vars.get('request_llm_model')).toBe('client-model');
  });

  it('answers 502 with the last upstream error body when every instance fails', async () => {
    a.configure({ fallback: { kind: 'status', status: 500 } });
    b.configure({ fallback: { kind: 'status', status: 503 } });
    const p = prepare({ instances: [inst('a', a, { priority: 1 }), inst('b', b)], fallback_strategy: ['http_5xx'] });
    const r = await run(p);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).error.message).toBe('mock fault: status 503');
  });

  it('rejects retry_on_failure_within_ms below 1 with the schema message', () => {
    const conf = { instances: [inst('a', a)], retry_on_failure_within_ms: 0 };
    expect(checkPluginConf(aiProxyMulti, conf, 'route')).toBe(
      'property "retry_on_failure_within_ms" validation failed: expected 0 to be at least 1',
    );
  });
});

describe('model routing', () => {
  const routed = (extra: Record<string, unknown> = {}) => ({
    instances: [
      inst('openai', a, { models: ['gpt-4o', 'gpt-4o-*', 'smart'] }),
      inst('claude', b, { models: ['claude-*'], options: { model: 'claude-3-5-sonnet' } }),
      inst('local', c, { models: ['llama-3'] }),
    ],
    model_routing: {},
    ...extra,
  });

  it('picks the instance serving the exact model, an alias or a wildcard', async () => {
    const p = prepare(routed());
    expect((await run(p, { ...chat, model: 'gpt-4o' })).picked).toBe('openai');
    expect((await run(p, { ...chat, model: 'gpt-4o-mini' })).picked).toBe('openai');
    expect((await run(p, { ...chat, model: 'smart' })).picked).toBe('openai');
    const r = await run(p, { ...chat, model: 'claude-3-haiku' });
    expect(r.picked).toBe('claude');
    // The instance's options.model still wins over the client's (APISIX: config overrides).
    expect(JSON.parse(b.requests.at(-1)!.body).model).toBe('claude-3-5-sonnet');
  });

  it('answers 400 when no instance serves the model (on_no_match: reject)', async () => {
    const p = prepare(routed());
    const r = await run(p, { ...chat, model: 'mistral-large' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ message: 'no ai instance serves the requested model: mistral-large' });
  });

  it('uses every instance when no instance serves the model with on_no_match: any', async () => {
    const p = prepare(routed({ model_routing: { on_no_match: 'any' } }));
    const r = await run(p, { ...chat, model: 'mistral-large' });
    expect(r.status).toBe(200);
  });

  it("tries the client's ordered models list in turn and strips it from the upstream body", async () => {
    a.configure({ fallback: { kind: 'status', status: 503 } });
    const p = prepare(routed({ model_routing: { allow_client_models: true }, fallback_strategy: ['http_5xx'] }));
    const before = c.requests.length;
    const r = await run(p, { messages: chat.messages, models: ['gpt-4o', { provider: 'openai-compatible', model: 'llama-3' }] });
    expect(r.status).toBe(200);
    expect(r.picked).toBe('local');
    const sent = JSON.parse(c.requests.at(-1)!.body) as Record<string, unknown>;
    expect(c.requests.length).toBe(before + 1);
    expect(sent.model).toBe('llama-3');
    expect(sent.models).toBeUndefined();
    expect(JSON.parse(a.requests.at(-1)!.body).model).toBe('gpt-4o');
  });

  it('expands a configured alias into its ordered models and tries them in turn', async () => {
    a.configure({ fallback: { kind: 'status', status: 429 } });
    const p = prepare(
      routed({ model_routing: { aliases: { best: ['gpt-4o', 'unknown-model', 'llama-3'] } }, fallback_strategy: ['http_429'] }),
    );
    const r = await run(p, { ...chat, model: 'best' });
    expect(r.status).toBe(200);
    expect(r.picked).toBe('local');
    expect(JSON.parse(a.requests.at(-1)!.body).model).toBe('gpt-4o');
    expect(JSON.parse(c.requests.at(-1)!.body).model).toBe('llama-3');
    expect(r.ctx.vars.get('request_llm_model')).toBe('best');
  });

  it('rejects a malformed models list with 400', async () => {
    const p = prepare(routed({ model_routing: { allow_client_models: true } }));
    const r = await run(p, { messages: chat.messages, models: [42] });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).message).toBe('`models` must be a non-empty array of model names or {"provider", "model"} objects');
  });

  it('without model_routing ignores the model (APISIX behaviour)', async () => {
    const p = prepare({ instances: [inst('a', a, { priority: 1 }), inst('b', b)] });
    expect((await run(p, { ...chat, model: 'anything' })).picked).toBe('a');
  });
});

const streamChat = { ...chat, stream: true };

describe('stream failover', () => {
  const failover = (extra: Record<string, unknown> = {}, ia: Record<string, unknown> = {}) => ({
    instances: [inst('a', a, { priority: 1, ...ia }), inst('b', b)],
    stream_failover: {},
    ...extra,
  });

  it.each<[string, Fault]>([
    ['an error event before the first token', { kind: 'error_event' }],
    ['a stream that ends before the first token', { kind: 'truncate', afterEvents: 0 }],
    ['a connection reset', { kind: 'reset' }],
    ['a 429', { kind: 'status', status: 429 }],
  ])('moves on invisibly after %s, even without a fallback_strategy', async (_n, fault) => {
    a.configure({ fallback: fault });
    const p = prepare(failover());
    const r = await run(p, streamChat);
    expect(r.status).toBe(200);
    expect(said(r.text)).toBe('from b');
    expect(r.text).not.toContain('error');
    expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(r.picked).toBe('b');
  });

  it('moves on when the first token is later than first_token_timeout_ms', async () => {
    a.configure({ fallback: { kind: 'slow_first_token', delayMs: 1500 } });
    const p = prepare(failover({}, { first_token_timeout_ms: 200 }));
    const r = await run(p, streamChat);
    expect(r.status).toBe(200);
    expect(said(r.text)).toBe('from b');
    expect(r.headAt).toBeLessThan(1200);
    expect(warned(r, 'ai instance a stream failed before the first token: no first token within 200 ms')).toBe(true);
  });

  it('ends a stream that breaks after its first token with a well-formed SSE error event', async () => {
    a.configure({ fallback: { kind: 'truncate', afterEvents: 2 } });
    const p = prepare(failover());
    const r = await run(p, streamChat);
    expect(r.status).toBe(200);
    expect(r.destroyed).toBe(false);
    const events = r.text.split('\n\n').filter((e) => e !== '');
    const last = events.at(-1)!;
    expect(last.startsWith('event: error\ndata: ')).toBe(true);
    const data = JSON.parse(last.slice('event: error\ndata: '.length)) as { error: { type: string; code: string } };
    expect(data.error.type).toBe('upstream_error');
    expect(data.error.code).toBe('AI_UPSTREAM_CONNECT');
    expect(r.text.endsWith('\n\n')).toBe(true);
    expect(r.picked).toBe('a');
  });

  it('ends a stream whose upstream closed cleanly in the middle of an event with an SSE error event', async () => {
    a.configure({ fallback: { kind: 'truncate', afterEvents: 2, graceful: true } });
    const p = prepare(failover());
    const r = await run(p, streamChat);
    expect(r.status).toBe(200);
    expect(r.destroyed).toBe(false);
    expect(r.text).toMatch(
      /\n\nevent: error\ndata: \{"error":\{"message":"upstream closed the stream in the middle of an event","type":"upstream_error","code":"AI_UPSTREAM_CONNECT"\}\}\n\n$/,
    );
  });

  it('sends keep-alive comments while waiting for a slow first token, then the stream', async () => {
    a.configure({ fallback: { kind: 'slow_first_token', delayMs: 900 } });
    const p = prepare(failover({ stream_failover: { keepalive_interval_ms: 200 } }));
    const r = await run(p, streamChat);
    expect(r.status).toBe(200);
    expect(r.headAt).toBeLessThan(700);
    const pings = r.writes.filter((w) => w.s === ': keep-alive\n\n');
    expect(pings.length).toBeGreaterThanOrEqual(2);
    expect(said(r.text)).toBe('from a');
    expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('after keep-alive comments, ends with an SSE error event when every instance fails', async () => {
    a.configure({ fallback: { kind: 'slow_first_token', delayMs: 600 } });
    b.configure({ fallback: { kind: 'status', status: 500, delayMs: 300 } });
    const p = prepare(failover({ stream_failover: { keepalive_interval_ms: 150, first_token_timeout_ms: 300 } }));
    const r = await run(p, streamChat);
    expect(r.status).toBe(200);
    expect(r.text.startsWith(': keep-alive\n\n')).toBe(true);
    expect(r.text).toMatch(
      /event: error\ndata: \{"error":\{"message":".*mock fault: status 500.*","type":"upstream_error","code":"502"\}\}\n\n$/s,
    );
  });

  it('without stream_failover a stream is handed to the client at its head (APISIX behaviour)', async () => {
    a.configure({ fallback: { kind: 'error_event' } });
    const p = prepare({ instances: [inst('a', a, { priority: 1 }), inst('b', b)], fallback_strategy: ['http_5xx'] });
    const r = await run(p, streamChat);
    expect(r.status).toBe(200);
    expect(r.text).toContain('mock fault: overloaded');
  });
});

describe('cooldowns', () => {
  it('skips an instance that failed max_fails times within fail_timeout, until the cooldown ends', async () => {
    a.configure({ fallback: { kind: 'status', status: 500 } });
    const p = prepare({
      instances: [inst('a', a, { priority: 1 }), inst('b', b)],
      fallback_strategy: ['http_5xx'],
      cooldown: { max_fails: 2, fail_timeout: 10, duration: 0.6 },
    });
    await run(p);
    await run(p);
    const before = a.requests.length;
    for (let i = 0; i < 3; i++) expect((await run(p)).picked).toBe('b');
    expect(a.requests.length).toBe(before);
    await new Promise((r) => setTimeout(r, 700));
    a.configure({});
    expect((await run(p)).picked).toBe('a');
  });

  it('a 429 with Retry-After cools the instance down for exactly that long, at the first failure', async () => {
    a.configure({ script: [{ kind: 'status', status: 429, retryAfter: '1' }] });
    const p = prepare({
      instances: [inst('a', a, { priority: 1 }), inst('b', b)],
      fallback_strategy: ['http_429'],
      cooldown: { max_fails: 5, duration: 60 },
    });
    expect((await run(p)).picked).toBe('b');
    const t0 = Date.now();
    expect((await run(p)).picked).toBe('b');
    await new Promise((r) => setTimeout(r, 1100 - (Date.now() - t0)));
    expect((await run(p)).picked).toBe('a');
  });

  it('x-ratelimit-reset-requests sets the cooldown when Retry-After is absent', async () => {
    a.configure({ script: [{ kind: 'status', status: 429, resetRequests: '400ms' }] });
    const p = prepare({
      instances: [inst('a', a, { priority: 1 }), inst('b', b)],
      fallback_strategy: ['http_429'],
      cooldown: { max_fails: 5 },
    });
    expect((await run(p)).picked).toBe('b');
    expect((await run(p)).picked).toBe('b');
    await new Promise((r) => setTimeout(r, 500));
    expect((await run(p)).picked).toBe('a');
  });

  it('uses cooling instances when nothing else is left', async () => {
    a.configure({ fallback: { kind: 'status', status: 429, retryAfter: '30' } });
    const p = prepare({ instances: [inst('a', a), inst('b', b)], fallback_strategy: ['http_429'], cooldown: { max_fails: 1 } });
    b.configure({ fallback: { kind: 'status', status: 429, retryAfter: '30' } });
    await run(p);
    a.configure({});
    const r = await run(p);
    expect(r.status).toBe(200);
  });

  it("a model chain skips the first model's cooling instance for the next model's, and revisits it when nothing else is left", async () => {
    a.configure({ script: [{ kind: 'status', status: 429, retryAfter: '30' }] });
    const p = prepare({
      instances: [inst('a', a, { models: ['gpt-4o'] }), inst('b', b, { models: ['claude-*'] })],
      model_routing: { aliases: { best: ['gpt-4o', 'claude-3'] } },
      fallback_strategy: ['http_429', 'http_5xx'],
      cooldown: { max_fails: 5 },
    });
    expect((await run(p, { ...chat, model: 'best' })).picked).toBe('b');
    const before = a.requests.length;
    const skipped = await run(p, { ...chat, model: 'best' });
    expect(skipped.picked).toBe('b');
    expect(a.requests.length).toBe(before);
    expect((JSON.parse(b.requests.at(-1)!.body) as { model: string }).model).toBe('claude-3');
    b.configure({ fallback: { kind: 'status', status: 500 } });
    const revisited = await run(p, { ...chat, model: 'best' });
    expect(revisited.status).toBe(200);
    expect(revisited.picked).toBe('a');
    expect((JSON.parse(a.requests.at(-1)!.body) as { model: string }).model).toBe('gpt-4o');
  });
});

describe('least_busy and least_latency', () => {
  it('least_latency sends traffic to the instance with the lowest TTFT average', async () => {
    a.configure({ fallback: { kind: 'ok', delayMs: 120 } });
    const p = prepare({ instances: [inst('a', a), inst('b', b)], balancer: { algorithm: 'least_latency' } });
    const picks: unknown[] = [];
    for (let i = 0; i < 8; i++) picks.push((await run(p)).picked);
    // Both measured once, then the fast one wins every time.
    expect(picks.slice(2).every((x) => x === 'b')).toBe(true);
  });

  it('least_busy spreads concurrent requests over idle instances', async () => {
    for (const m of [a, b, c]) m.configure({ fallback: { kind: 'ok', delayMs: 150 } });
    const p = prepare({ instances: [inst('a', a), inst('b', b), inst('c', c)], balancer: { algorithm: 'least_busy' } });
    const rs = await Promise.all([run(p), run(p), run(p)]);
    expect(new Set(rs.map((r) => r.picked)).size).toBe(3);
  });

  it('least_busy falls back like the other balancers', async () => {
    a.configure({ fallback: { kind: 'reset' } });
    const p = prepare({
      instances: [inst('a', a, { priority: 1 }), inst('b', b)],
      balancer: { algorithm: 'least_busy' },
      fallback_strategy: ['http_5xx'],
    });
    const r = await run(p);
    expect(r.status).toBe(200);
    expect(r.picked).toBe('b');
  });
});
