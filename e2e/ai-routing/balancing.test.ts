// ai-proxy-multi balancing and routing extensions (issue 15, docs/extensions.md) through the
// built apps and real sockets: least_latency, least_busy, model routing (exact, wildcard,
// instance aliases, `model_routing.aliases`, the client's ordered `models` list, on_no_match)
// and cooldowns set by `x-ratelimit-reset-*`. One data plane with one worker: least_* keep
// their figures per worker, so a single worker makes every pick see every request.
// Which instance served a request is read from each fault mock's request log; timing is only
// ever asserted through counts over many requests, with wide margins.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chatRequest,
  startEtcd,
  startMockFaults,
  startPortico,
  type ChatResult,
  type EtcdProcess,
  type MockFaults,
  type PorticoApps,
} from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';

const ANSWER = 'The answer is 2.';
/** The model the client asked for and the one sent upstream, per request. */
const ACCESS_LOG_FORMAT = '"$request_uri" $status "$request_llm_model" "$llm_model"';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let etcd: EtcdProcess;
let apps: PorticoApps;
/** Quick answers by default (faults set per test with configure). */
let a: MockFaults;
let b: MockFaults;
let c: MockFaults;
/** Long streams: 5 events 400 ms apart (~2 s each). */
let longA: MockFaults;
let longB: MockFaults;

beforeAll(async () => {
  etcd = await startEtcd();
  [a, b, c, longA, longB] = await Promise.all([
    startMockFaults({ content: ANSWER }),
    startMockFaults({ content: ANSWER }),
    startMockFaults({ content: ANSWER }),
    startMockFaults({ content: ANSWER, intervalMs: 400 }),
    startMockFaults({ content: ANSWER, intervalMs: 400 }),
  ]);
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    dataPlanes: 1,
    workers: 1,
    extraConf: { nginx_config: { http: { access_log_format: ACCESS_LOG_FORMAT } } },
  });
}, 60_000);
afterAll(async () => {
  await apps?.stop();
  await Promise.all([a, b, c, longA, longB].map((m) => m?.close()));
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

const instance = (name: string, m: MockFaults, extra: Record<string, unknown> = {}) => ({
  name,
  provider: 'openai-compatible',
  weight: 1,
  auth: { header: { Authorization: `Bearer key-${name}` } },
  override: { endpoint: `${m.url}/v1/chat/completions` },
  ...extra,
});

/** PUT route `id` at `/<id>`, wait until the data plane serves it, and return its URL. */
async function route(id: string, plugin: Record<string, unknown>): Promise<string> {
  const res = await adminRequest(apps, 'PUT', `/apisix/admin/routes/${id}`, {
    uri: `/${id}`,
    methods: ['POST'],
    plugins: { 'ai-proxy-multi': plugin },
  });
  expect([200, 201], res.text).toContain(res.status);
  const url = `${apps.dataPlanes[0]!.url}/${id}`;
  await eventually(async () => {
    const r = await fetch(url, { method: 'POST' });
    await r.arrayBuffer();
    expect(r.status).toBe(400); // served by the route: the empty body fails validation
  });
  return url;
}

const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'What is 1+1?' }],
  ...extra,
});

/** A reader of how many requests each mock received since this call. */
function counter(...mocks: MockFaults[]) {
  const start = mocks.map((m) => m.requests.length);
  return () => mocks.map((m, i) => m.requests.length - start[i]!);
}

/** The body the mock received last, parsed. */
const lastSent = (m: MockFaults) => JSON.parse(m.requests.at(-1)!.body) as Record<string, unknown>;

function expectServed(r: ChatResult): void {
  expect({ status: r.status, text: r.text, aborted: r.aborted }, r.raw.slice(0, 300)).toEqual({
    status: 200,
    text: ANSWER,
    aborted: false,
  });
}

const MOCK_500 = { error: { message: 'mock fault: status 500', type: 'mock_error', code: 500 } };

/** The access log line of the request to `uri` (lines are written after the response). */
const accessLine = (uri: string) =>
  eventually(async () => {
    const line = readFileSync(apps.dataPlanes[0]!.accessLog, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`"${uri}" `));
    expect(line).toBeDefined();
    return line!;
  });

function resetMocks(): void {
  for (const m of [a, b, c, longA, longB]) m.configure({});
}

describe('least_latency', () => {
  it('sends most requests to the instance with the fastest first token, and moves away when it fails', async () => {
    resetMocks();
    // `slow` answers its first token after 150 ms, `fast` at once.
    a.configure({ fallback: { kind: 'ok', delayMs: 150 } });
    const url = await route('ll', {
      balancer: { algorithm: 'least_latency' },
      fallback_strategy: ['http_429', 'http_5xx'],
      instances: [instance('slow', a), instance('fast', b)],
    });
    let served = counter(a, b);
    for (let i = 0; i < 20; i++) expectServed(await chatRequest(url, chat({ stream: true })));
    // Each instance is measured once (an unmeasured one goes first), then the fast one wins.
    const [slowWarm, fastWarm] = served();
    expect(slowWarm).toBeGreaterThanOrEqual(1);
    expect(slowWarm).toBeLessThanOrEqual(3);
    expect(fastWarm).toBe(20 - slowWarm!);

    // The fast instance now fails: the failing pick falls back to the other instance (no
    // client sees it), and the failure counts as a slow sample (≥ 1 s), so picks shift.
    b.configure({ fallback: { kind: 'status', status: 500 } });
    served = counter(a, b);
    for (let i = 0; i < 10; i++) expectServed(await chatRequest(url, chat({ stream: true })));
    const [slowServed, fastTried] = served();
    expect(slowServed).toBe(10);
    expect(fastTried).toBeGreaterThanOrEqual(1);
    expect(fastTried).toBeLessThanOrEqual(3);
  });

  it('shifts to the other instance when the fast one becomes slow', async () => {
    resetMocks();
    a.configure({ fallback: { kind: 'ok', delayMs: 150 } });
    const url = await route('ll-slowdown', {
      balancer: { algorithm: 'least_latency' },
      instances: [instance('steady', a), instance('fast', b)],
    });
    for (let i = 0; i < 6; i++) expectServed(await chatRequest(url, chat({ stream: true })));
    b.configure({ fallback: { kind: 'ok', delayMs: 800 } });
    const served = counter(a, b);
    for (let i = 0; i < 12; i++) expectServed(await chatRequest(url, chat({ stream: true })));
    // 30 % weight per sample: two or three 800 ms first tokens lift the average above 150 ms.
    const [steady, slowed] = served();
    expect(slowed).toBeGreaterThanOrEqual(1);
    expect(slowed).toBeLessThanOrEqual(4);
    expect(steady).toBe(12 - slowed!);
  });

  it('falls back like roundrobin: each instance once, then 502 with the last upstream body; no fallback without a strategy', async () => {
    resetMocks();
    a.configure({ fallback: { kind: 'status', status: 500 } });
    b.configure({ fallback: { kind: 'status', status: 500 } });
    const url = await route('ll-allfail', {
      balancer: { algorithm: 'least_latency' },
      fallback_strategy: ['http_5xx'],
      instances: [instance('one', a), instance('two', b)],
    });
    for (let i = 0; i < 3; i++) {
      const tried = counter(a, b);
      const r = await chatRequest(url, chat());
      expect(r.status).toBe(502);
      expect(JSON.parse(r.raw)).toEqual(MOCK_500);
      expect(tried()).toEqual([1, 1]);
    }

    const plain = await route('ll-nofallback', {
      balancer: { algorithm: 'least_latency' },
      instances: [instance('one', a), instance('two', b)],
    });
    for (let i = 0; i < 3; i++) {
      const tried = counter(a, b);
      const r = await chatRequest(plain, chat());
      expect(r.status).toBe(500);
      expect(JSON.parse(r.raw)).toEqual(MOCK_500);
      expect(tried().reduce((x, y) => x + y)).toBe(1);
    }
  });

  it('keeps priority groups and weight-0 instances: the faster lower-priority or weight-0 one serves only as fallback', async () => {
    resetMocks();
    a.configure({ fallback: { kind: 'ok', delayMs: 150 } });
    const url = await route('ll-priority', {
      balancer: { algorithm: 'least_latency' },
      fallback_strategy: ['http_5xx'],
      instances: [
        instance('preferred', a, { priority: 1 }),
        instance('spare', c, { priority: 1, weight: 0 }),
        instance('lower', b),
      ],
    });
    let served = counter(a, c, b);
    for (let i = 0; i < 6; i++) expectServed(await chatRequest(url, chat({ stream: true })));
    expect(served()).toEqual([6, 0, 0]);
    // The weighted instance of the top group fails: the weight-0 one of that group is next.
    a.configure({ fallback: { kind: 'status', status: 500 } });
    served = counter(a, c, b);
    expectServed(await chatRequest(url, chat()));
    expect(served()).toEqual([1, 1, 0]);
    // Both top-group instances fail: the lower group serves.
    c.configure({ fallback: { kind: 'status', status: 502 } });
    served = counter(a, c, b);
    expectServed(await chatRequest(url, chat()));
    expect(served()).toEqual([1, 1, 1]);
  });
});

describe('least_busy', () => {
  /** Start `n` streams `gapMs` apart, all running at once, and wait for them all. */
  async function staggered(url: string, n: number, gapMs: number): Promise<ChatResult[]> {
    const all: Promise<ChatResult>[] = [];
    for (let i = 0; i < n; i++) {
      all.push(chatRequest(url, chat({ stream: true })));
      await sleep(gapMs);
    }
    return Promise.all(all);
  }

  it('spreads concurrent long streams by requests in flight, not by weight', async () => {
    resetMocks();
    // Weighted round robin would send 6 of 8 to `heavy`; least_busy keeps in-flight counts level.
    const url = await route('lb', {
      balancer: { algorithm: 'least_busy' },
      instances: [instance('light', longA, { weight: 1 }), instance('heavy', longB, { weight: 3 })],
    });
    const served = counter(longA, longB);
    const results = await staggered(url, 8, 60);
    for (const r of results) expectServed(r);
    const [light, heavy] = served();
    expect(light! + heavy!).toBe(8);
    expect(light).toBeGreaterThanOrEqual(3);
    expect(heavy).toBeGreaterThanOrEqual(3);
  });

  it('sends new streams to the instance whose streams finished, away from the one still busy', async () => {
    resetMocks();
    // `long` holds each stream ~2 s; `quick` ends its streams at once, so it is idle at every pick.
    const url = await route('lb-asym', {
      balancer: { algorithm: 'least_busy' },
      instances: [instance('long', longA), instance('quick', a)],
    });
    const served = counter(longA, a);
    const results = await staggered(url, 10, 150);
    for (const r of results) expectServed(r);
    const [long, quick] = served();
    expect(long! + quick!).toBe(10);
    // Round robin would give 5 each; once `long` has a stream in flight it is passed over.
    expect(long).toBeGreaterThanOrEqual(1);
    expect(long).toBeLessThanOrEqual(3);
  });
});

describe('model routing', () => {
  let url: string;
  const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

  beforeAll(async () => {
    url = await route('mr', {
      model_routing: { allow_client_models: true, aliases: { best: ['gpt-4o', 'claude-3-5-sonnet', 'llama-3'] } },
      fallback_strategy: ['http_429', 'http_5xx'],
      instances: [
        instance('gpt', a, { models: ['gpt-4o', 'gpt-4o-*'] }),
        instance('claude', b, { models: ['claude-*'] }),
        instance('local', c, { models: ['llama-3', 'cheap'], options: { model: LLAMA } }),
      ],
    });
  });

  it('picks the instance by exact name, wildcard and instance alias', async () => {
    resetMocks();
    const cases: [string, MockFaults, string][] = [
      ['gpt-4o', a, 'gpt-4o'],
      ['gpt-4o-mini', a, 'gpt-4o-mini'],
      ['claude-3-haiku', b, 'claude-3-haiku'],
      ['llama-3', c, LLAMA],
      // An alias an instance lists: its options.model is what the provider receives.
      ['cheap', c, LLAMA],
    ];
    for (const [model, mock, upstreamModel] of cases) {
      const served = counter(a, b, c);
      expectServed(await chatRequest(url, chat({ model })));
      expect(served(), model).toEqual([a, b, c].map((m) => (m === mock ? 1 : 0)));
      expect(lastSent(mock).model).toBe(upstreamModel);
    }
  });

  it('tries the models of a model_routing alias in order when an instance fails with 5xx or 429', async () => {
    resetMocks();
    let served = counter(a, b, c);
    expectServed(await chatRequest(url, chat({ model: 'best' })));
    expect(served()).toEqual([1, 0, 0]);
    expect(lastSent(a).model).toBe('gpt-4o');

    a.configure({ fallback: { kind: 'status', status: 500 } });
    served = counter(a, b, c);
    expectServed(await chatRequest(`${url}?log=alias`, chat({ model: 'best' })));
    expect(served()).toEqual([1, 1, 0]);
    expect(lastSent(b).model).toBe('claude-3-5-sonnet');
    // request_llm_model stays the name the client sent; llm_model is the model that answered.
    expect(await accessLine('/mr?log=alias')).toBe('"/mr?log=alias" 200 "best" "claude-3-5-sonnet"');

    b.configure({ fallback: { kind: 'status', status: 429 } });
    served = counter(a, b, c);
    expectServed(await chatRequest(url, chat({ model: 'best', stream: true })));
    expect(served()).toEqual([1, 1, 1]);
    expect(lastSent(c).model).toBe(LLAMA);

    // An alias inside the client's models list expands in place.
    resetMocks();
    served = counter(a, b, c);
    const listed = { messages: [{ role: 'user', content: 'hi' }], models: ['mistral-large', 'best'] };
    expectServed(await chatRequest(url, listed));
    expect(served()).toEqual([1, 0, 0]);
    expect(JSON.parse(a.requests.at(-1)!.body)).toEqual({ messages: listed.messages, model: 'gpt-4o' });
  });

  it("tries the client's ordered models list in turn, skipping entries no instance serves", async () => {
    resetMocks();
    a.configure({ fallback: { kind: 'status', status: 503 } });
    b.configure({ fallback: { kind: 'status', status: 429 } });
    let served = counter(a, b, c);
    const body = { messages: [{ role: 'user', content: 'hi' }] };
    const models = ['gpt-4o', { provider: 'openai-compatible', model: 'claude-3-5-sonnet' }, 'cheap'];
    expectServed(await chatRequest(url, { ...body, models }));
    expect(served()).toEqual([1, 1, 1]);
    expect(JSON.parse(a.requests.at(-1)!.body)).toEqual({ ...body, model: 'gpt-4o' });
    expect(JSON.parse(b.requests.at(-1)!.body)).toEqual({ ...body, model: 'claude-3-5-sonnet' });
    expect(lastSent(c).model).toBe(LLAMA);
    expect(lastSent(c).models).toBeUndefined();

    // Unserved entries (an unknown model, a provider no instance has) are skipped.
    resetMocks();
    served = counter(a, b, c);
    const skip = ['mistral-large', { provider: 'anthropic', model: 'claude-3-opus' }, 'claude-3-opus'];
    expectServed(await chatRequest(url, { ...body, models: skip }));
    expect(served()).toEqual([0, 1, 0]);
    expect(JSON.parse(b.requests.at(-1)!.body)).toEqual({ ...body, model: 'claude-3-opus' });

    // Every listed model failed: 502 with the last upstream body; unlisted instances untouched.
    a.configure({ fallback: { kind: 'status', status: 500 } });
    b.configure({ fallback: { kind: 'status', status: 500 } });
    served = counter(a, b, c);
    const r = await chatRequest(url, { ...body, models: ['gpt-4o', 'claude-3-5-sonnet'] });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.raw)).toEqual(MOCK_500);
    expect(served()).toEqual([1, 1, 0]);
    // An instance tried for one model is not tried again for a later model it also serves.
    served = counter(a, b, c);
    const again = await chatRequest(url, { ...body, models: ['gpt-4o', 'gpt-4o-mini'] });
    expect(again.status).toBe(502);
    expect(JSON.parse(again.raw)).toEqual(MOCK_500);
    expect(served()).toEqual([1, 0, 0]);
  });

  it('answers 400 with the exact body when no instance serves the model or the models list is malformed', async () => {
    resetMocks();
    const served = counter(a, b, c);
    const none = await chatRequest(url, chat({ model: 'mistral' }));
    expect(none.status).toBe(400);
    expect(JSON.parse(none.raw)).toEqual({ message: 'no ai instance serves the requested model: mistral' });
    const noneList = await chatRequest(url, { messages: [{ role: 'user', content: 'hi' }], models: ['x-1', 'y-2'] });
    expect(noneList.status).toBe(400);
    expect(JSON.parse(noneList.raw)).toEqual({ message: 'no ai instance serves the requested model: x-1, y-2' });
    const bad = { message: '`models` must be a non-empty array of model names or {"provider", "model"} objects' };
    for (const models of [[], 'gpt-4o', [1], [{ provider: 'openai' }], [{ model: 'gpt-4o', provider: 7 }]]) {
      const r = await chatRequest(url, { messages: [{ role: 'user', content: 'hi' }], models });
      expect(r.status, JSON.stringify(models)).toBe(400);
      expect(JSON.parse(r.raw)).toEqual(bad);
    }
    expect(served()).toEqual([0, 0, 0]);
  });

  it('with on_no_match "any" uses every instance; without allow_client_models the list is not read', async () => {
    resetMocks();
    const any = await route('mr-any', {
      model_routing: { on_no_match: 'any' },
      instances: [instance('gpt', a, { models: ['gpt-4o'] }), instance('claude', b, { models: ['claude-*'] })],
    });
    let served = counter(a, b);
    for (let i = 0; i < 4; i++) expectServed(await chatRequest(any, chat({ model: 'mistral' })));
    expect(served()).toEqual([2, 2]);
    expect(lastSent(a).model).toBe('mistral');
    // `models` is not read without allow_client_models: `model` decides.
    served = counter(a, b);
    expectServed(await chatRequest(any, chat({ model: 'claude-3-opus', models: ['gpt-4o'] })));
    expect(served()).toEqual([0, 1]);
  });
});

describe('cooldowns from x-ratelimit-reset-*', () => {
  const waitUntil = async (t: number) => sleep(Math.max(0, t - Date.now()));

  it('one 429 with x-ratelimit-reset-requests cools the instance down for exactly that long', async () => {
    resetMocks();
    const url = await route('cd-reset', {
      fallback_strategy: ['http_429'],
      cooldown: { max_fails: 5, fail_timeout: 10, duration: 30 },
      instances: [instance('limited', a, { priority: 1 }), instance('backup', b)],
    });
    a.configure({ script: [{ kind: 'status', status: 429, resetRequests: '2s' }] });
    let served = counter(a, b);
    const sentAt = Date.now();
    expectServed(await chatRequest(url, chat()));
    // The cooldown started between these two instants (when the 429 reached the gateway).
    const answeredAt = Date.now();
    expect(served()).toEqual([1, 1]);
    // A single failure (max_fails 5) started it: the preferred instance is skipped…
    served = counter(a, b);
    do expectServed(await chatRequest(url, chat()));
    while (Date.now() - sentAt < 1000);
    const [during, backup] = served();
    expect(during).toBe(0);
    expect(backup).toBeGreaterThanOrEqual(1);
    // …and used again once 2 s passed, long before the 30 s `duration`.
    await waitUntil(answeredAt + 2600);
    served = counter(a, b);
    expectServed(await chatRequest(url, chat()));
    expect(served()).toEqual([1, 0]);
  });

  it('a long x-ratelimit-reset-tokens outlasts a short duration; honor_retry_after false ignores it', async () => {
    resetMocks();
    const url = await route('cd-long', {
      fallback_strategy: ['http_429'],
      cooldown: { max_fails: 1, duration: 1 },
      instances: [instance('limited', a, { priority: 1 }), instance('backup', b)],
    });
    a.configure({ script: [{ kind: 'status', status: 429, resetTokens: '6m0s' }] });
    let served = counter(a, b);
    expectServed(await chatRequest(url, chat()));
    expect(served()).toEqual([1, 1]);
    await sleep(1800); // the 1 s `duration` is over; the provider's 6 minutes are not
    served = counter(a, b);
    for (let i = 0; i < 5; i++) expectServed(await chatRequest(url, chat()));
    expect(served()).toEqual([0, 5]);

    const ignoring = await route('cd-ignore', {
      fallback_strategy: ['http_429'],
      cooldown: { max_fails: 3, duration: 30, honor_retry_after: false },
      instances: [instance('limited', a, { priority: 1 }), instance('backup', b)],
    });
    a.configure({ script: [{ kind: 'status', status: 429, resetTokens: '6m0s' }] });
    served = counter(a, b);
    expectServed(await chatRequest(ignoring, chat()));
    expect(served()).toEqual([1, 1]);
    // One failure of three: no cooldown, the preferred instance serves the next request.
    served = counter(a, b);
    expectServed(await chatRequest(ignoring, chat()));
    expect(served()).toEqual([1, 0]);
  });

  it("a model chain skips the first model's cooling instance, and tries it anyway when nothing else is left", async () => {
    resetMocks();
    const url = await route('cd-models', {
      model_routing: { aliases: { best: ['gpt-4o', 'claude-3-5-sonnet'] } },
      fallback_strategy: ['http_429', 'http_5xx'],
      cooldown: { max_fails: 5, duration: 30 },
      instances: [instance('gpt', a, { models: ['gpt-4o'] }), instance('claude', b, { models: ['claude-*'] })],
    });
    a.configure({ script: [{ kind: 'status', status: 429, resetRequests: '6m0s' }] });
    let served = counter(a, b);
    expectServed(await chatRequest(url, chat({ model: 'best' })));
    expect(served()).toEqual([1, 1]);
    // gpt-4o's only instance cools down for 6 minutes: the chain starts at claude-3-5-sonnet.
    served = counter(a, b);
    for (let i = 0; i < 4; i++) expectServed(await chatRequest(url, chat({ model: 'best' })));
    expect(served()).toEqual([0, 4]);
    expect(lastSent(b).model).toBe('claude-3-5-sonnet');
    // claude fails too: the cooling gpt-4o instance is the only one left, so it is tried.
    b.configure({ fallback: { kind: 'status', status: 500 } });
    served = counter(a, b);
    expectServed(await chatRequest(url, chat({ model: 'best' })));
    expect(served()).toEqual([1, 1]);
    expect(lastSent(a).model).toBe('gpt-4o');
  });
});
