// ai-rate-limiting across three data-plane pods: policy redis shares one token quota through
// a real redis-server (policy local counts per pod, the contrast), quota headers, per-consumer
// quotas with key-auth (doc 004 johndoe/janedoe), and Redis going away (allow_degradation).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEtcd,
  startMockLlm,
  startPortico,
  startRedis,
  type EtcdProcess,
  type MockLlm,
  type PorticoApps,
  type RedisProcess,
} from '@portico/testkit';
import { dumpLogsOnFailure, eventually } from '../helpers.js';
import { errorLogLines, MATH_MESSAGES, postJson, putAndWait, sleep, streamSse } from './support.js';

const KEY = 'sk-e2e-ratelimit';
/** Tokens the mock charges per chat answer (23 prompt + 8 completion). */
const TOKENS = 31;

let etcd: EtcdProcess;
let redis: RedisProcess;
let apps: PorticoApps;
let openai: MockLlm;
let deepseek: MockLlm;

const aiProxy = () => ({
  provider: 'openai',
  auth: { header: { Authorization: `Bearer ${KEY}` } },
  options: { model: 'gpt-4' },
  override: { endpoint: openai.url },
});

/** Route `/<id>` with ai-proxy and the given ai-rate-limiting conf, served by every pod. */
async function quotaRoute(id: string, rateLimiting: Record<string, unknown>): Promise<string> {
  await putAndWait(
    apps,
    `/apisix/admin/routes/${id}`,
    { uri: `/${id}`, methods: ['POST'], plugins: { 'ai-proxy': aiProxy(), 'ai-rate-limiting': rateLimiting } },
    { uri: `/${id}` },
  );
  return `/${id}`;
}

const redisQuota = (extra: Record<string, unknown> = {}) => ({
  policy: 'redis',
  redis_host: '127.0.0.1',
  redis_port: redis.port,
  redis_timeout: 300,
  ...extra,
});

/**
 * Tokens are committed in the log phase, which runs after the response has been sent: a
 * client that fires its next request at once can overtake it (seen once under load). Tests
 * whose next answer depends on the previous commit on a local counter leave this gap.
 */
const commitGap = () => sleep(50);

const pod = (i: number) => apps.dataPlanes[i % apps.dataPlanes.length]!.url;

beforeAll(async () => {
  etcd = await startEtcd();
  redis = await startRedis();
  openai = await startMockLlm({ apiKey: KEY });
  deepseek = await startMockLlm({ apiKey: KEY, content: '1 + 1 = 2.', promptTokens: 14, completionTokens: 31 });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, dataPlanes: 3 });
});
afterAll(async () => {
  await apps?.stop();
  await openai?.close();
  await deepseek?.close();
  await redis?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('policy redis shares one quota across pods', () => {
  it('admits requests round-robin over 3 pods until the shared 100-token quota is spent, with exact quota headers', async () => {
    const path = await quotaRoute(
      'shared',
      redisQuota({ limit: 100, time_window: 60, rejected_code: 429, rejected_msg: 'token quota exceeded' }),
    );
    const client = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true });
    await client.connect();
    try {
      const counter = async () => {
        const keys = await client.keys('plugin-ai-rate-limiting:v1:/apisix/routes/shared:*');
        return { keys, value: keys[0] ? await client.get(keys[0]) : null };
      };
      const seen: Array<{ status: number; remaining: string | null; reset: string | null; limit: string | null; text: string }> =
        [];
      let admitted = 0;
      for (let i = 0; i < 6; i++) {
        const r = await postJson(pod(i) + path, { messages: MATH_MESSAGES });
        seen.push({
          status: r.status,
          limit: r.headers.get('x-ai-ratelimit-limit-ai-proxy-openai'),
          remaining: r.headers.get('x-ai-ratelimit-remaining-ai-proxy-openai'),
          reset: r.headers.get('x-ai-ratelimit-reset-ai-proxy-openai'),
          text: r.text,
        });
        // The pod commits the tokens in its log phase, after the response: wait for it to
        // reach Redis so the next pod's check is deterministic.
        if (r.status === 200) admitted++;
        await eventually(async () => expect((await counter()).value).toBe(String(admitted * TOKENS)), 3000, 10);
      }
      // 0 → 31 → 62 → 93 → 124 tokens: the 4th request still passes the cost-1 dry run (6 left).
      expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 200, 429, 429]);
      expect(seen.map((s) => s.limit)).toEqual(['100', '100', '100', '100', '100', '100']);
      expect(seen.map((s) => s.remaining)).toEqual(['99', '68', '37', '6', '0', '0']);
      // Before the first commit the window is not open yet: Reset is the whole window.
      expect(seen[0]!.reset).toBe('60');
      for (const s of seen.slice(1)) {
        expect(Number(s.reset)).toBeGreaterThanOrEqual(58);
        expect(Number(s.reset)).toBeLessThanOrEqual(60);
      }
      expect(seen[4]!.text).toBe('{"error_msg":"token quota exceeded"}\n');

      const { keys } = await counter();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^plugin-ai-rate-limiting:v1:\/apisix\/routes\/shared:[0-9a-f]{8}:global:ai-proxy-openai$/);
      const ttl = await client.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      client.disconnect();
    }
  });

  it('keeps total admitted tokens ≤ limit + one response per pod in flight under concurrent load', async () => {
    const limit = 200;
    const path = await quotaRoute('concurrent', redisQuota({ limit, time_window: 60 }));
    const o0 = openai.requests.length;
    let admitted = 0;
    let rejected = 0;
    for (let wave = 0; wave < 12 && rejected < 6; wave++) {
      // One request per pod at the same time: up to 3 in flight against the same counter.
      const rs = await Promise.all(apps.dataPlanes.map((d) => postJson(d.url + path, { messages: MATH_MESSAGES })));
      for (const r of rs) {
        if (r.status === 200) admitted++;
        else {
          expect(r.status).toBe(503);
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThanOrEqual(6);
    expect(openai.requests.length - o0).toBe(admitted);
    // Rejections only start once ≥ limit tokens were committed; each of the 3 pods may have
    // had one request in flight past the check.
    expect(admitted * TOKENS).toBeGreaterThanOrEqual(limit);
    expect(admitted * TOKENS).toBeLessThanOrEqual(limit + TOKENS * apps.dataPlanes.length);
  });

  it('with policy local each pod counts alone: 3 pods admit three times the quota', async () => {
    const path = await quotaRoute('perpod', { limit: 100, time_window: 60 });
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      if (i % 3 === 0) await commitGap();
      statuses.push((await postJson(pod(i) + path, { messages: MATH_MESSAGES })).status);
    }
    // Each pod sees requests 1..5 of its own; 4 pass (31/62/93/124 tokens), the 5th is refused.
    expect(statuses.filter((s) => s === 200)).toHaveLength(12);
    expect(statuses.slice(12)).toEqual([503, 503, 503]);
  });
});

describe('what a request costs', () => {
  it('charges the usage of a streamed answer to the shared Redis counter', async () => {
    const path = await quotaRoute('streamed', redisQuota({ limit: 100, time_window: 60 }));
    const r = await streamSse(pod(2) + path, { messages: MATH_MESSAGES, stream: true });
    expect(r.ending).toBe('end');
    expect(r.headers['x-ai-ratelimit-remaining-ai-proxy-openai']).toBe('99');
    // The commit lands after the stream ends; the next pod then sees 100 − 31 − 1.
    await eventually(async () => {
      const next = await postJson(pod(0) + path, { messages: MATH_MESSAGES }, { 'x-mock-status': '500' });
      expect(next.status).toBe(500);
      expect(next.headers.get('x-ai-ratelimit-remaining-ai-proxy-openai')).toBe('68');
    });
  });

  it('rules: per-key counters with X-AI-<prefix>-RateLimit-* headers, completion_tokens strategy', async () => {
    const path = await quotaRoute('rules', {
      rules: [{ count: 50, time_window: 60, key: '${http_x_user}', header_prefix: 'User' }],
      limit_strategy: 'completion_tokens',
    });
    const url = pod(0) + path;
    const remaining = async (user: string) => {
      await commitGap();
      const r = await postJson(url, { messages: MATH_MESSAGES }, { 'x-user': user });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ai-user-ratelimit-limit')).toBe('50');
      return r.headers.get('x-ai-user-ratelimit-remaining');
    };
    expect(await remaining('alice')).toBe('49');
    // 8 completion tokens charged: 50 − 8 − 1.
    expect(await remaining('alice')).toBe('41');
    expect(await remaining('bob')).toBe('49');
    // No rule key resolves without the header: APISIX answers 500 with nginx's page.
    const none = await postJson(url, { messages: MATH_MESSAGES });
    expect(none.status).toBe(500);
    expect(none.text).toContain('<title>500 Internal Server Error</title>');
  });
});

describe('per-consumer quotas with key-auth (doc 004: johndoe / janedoe)', () => {
  it('401 without a key, then each consumer falls back once its own instance quota is spent', async () => {
    const consumer = (username: string, instance: string, key: string) =>
      putAndWait(
        apps,
        '/apisix/admin/consumers',
        {
          username,
          plugins: {
            'key-auth': { key },
            'ai-rate-limiting': {
              instances: [{ name: instance, limit: 10, time_window: 60 }],
              rejected_code: 429,
              limit_strategy: 'total_tokens',
            },
          },
        },
        undefined,
      );
    await consumer('johndoe', 'openai-instance', 'john-key');
    await consumer('janedoe', 'deepseek-instance', 'jane-key');
    const instance = (name: string, provider: string, mock: MockLlm, model: string) => ({
      name,
      provider,
      weight: 0,
      auth: { header: { Authorization: `Bearer ${KEY}` } },
      options: { model },
      override: { endpoint: mock.url },
    });
    await putAndWait(
      apps,
      '/apisix/admin/routes/ai-proxy-multi-route',
      {
        uri: '/anything',
        methods: ['POST'],
        plugins: {
          'key-auth': {},
          'ai-proxy-multi': {
            fallback_strategy: ['rate_limiting'],
            instances: [
              instance('openai-instance', 'openai', openai, 'gpt-4'),
              instance('deepseek-instance', 'deepseek', deepseek, 'deepseek-chat'),
            ],
          },
        },
      },
      undefined,
    );
    const url = `${pod(0)}/anything`;
    // Both consumers known to the pod: their keys pass key-auth (the empty probe body then gets 400).
    for (const key of ['john-key', 'jane-key']) {
      await eventually(async () => expect((await fetch(url, { method: 'POST', headers: { apikey: key } })).status).toBe(400));
    }

    const noKey = await postJson(url, { messages: MATH_MESSAGES });
    expect(noKey.status).toBe(401);
    expect(noKey.text).toBe('{"message":"Missing API key in request"}\n');

    const servedBy = async (key: string) => {
      await commitGap();
      const r = await postJson(url, { messages: MATH_MESSAGES }, { apikey: key });
      expect(r.status).toBe(200);
      const model = r.json().model;
      return model === 'gpt-4-0613' ? 'openai' : model === 'deepseek-chat' ? 'deepseek' : String(model);
    };
    const john: string[] = [];
    const jane: string[] = [];
    // One consumer after the other: the weight-0 cycle is shared by the route, so interleaving
    // them could keep each consumer on one instance.
    for (let i = 0; i < 5; i++) john.push(await servedBy('john-key'));
    for (let i = 0; i < 5; i++) jane.push(await servedBy('jane-key'));
    // Weights 0 are cycled: each consumer reaches its limited instance within two requests,
    // spends its 10 tokens there once (31 > 10), and is served by the other one afterwards;
    // johndoe's spent openai quota does not touch janedoe's (she keeps using openai).
    expect(john.filter((b) => b === 'openai')).toHaveLength(1);
    expect(john.slice(2)).toEqual(['deepseek', 'deepseek', 'deepseek']);
    expect(jane.filter((b) => b === 'deepseek')).toHaveLength(1);
    expect(jane.slice(2)).toEqual(['openai', 'openai', 'openai']);
  });
});

describe('Redis unavailable', () => {
  it('admits with allow_degradation true, rejects 500 with false, and logs the error; recovers when Redis is back', async () => {
    const open = await quotaRoute('degrade-open', redisQuota({ limit: 1000, time_window: 60, allow_degradation: true }));
    const closed = await quotaRoute('degrade-closed', redisQuota({ limit: 1000, time_window: 60, allow_degradation: false }));
    const dp = pod(1);
    expect((await postJson(dp + closed, { messages: MATH_MESSAGES })).status).toBe(200);

    await redis.stop();
    try {
      const o0 = openai.requests.length;
      const a = await postJson(dp + open, { messages: MATH_MESSAGES });
      expect(a.status).toBe(200);
      expect(a.json().model).toBe('gpt-4-0613');
      expect(a.headers.get('x-ai-ratelimit-limit-ai-proxy-openai')).toBeNull();
      expect(openai.requests.length - o0).toBe(1);

      const t0 = Date.now();
      const b = await postJson(dp + closed, { messages: MATH_MESSAGES });
      expect(b.status).toBe(500);
      expect(b.text).toBe('{"error_msg":"failed to limit count"}\n');
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(openai.requests.length - o0).toBe(1);

      const errors = await eventually(async () => {
        const e = errorLogLines(apps.dataPlanes[1]!.process.logFile).filter(
          (l) => l.level === 50 && String(l.msg).startsWith('failed to limit count: '),
        );
        expect(e.length).toBeGreaterThanOrEqual(2);
        return e;
      });
      expect(String(errors[0]!.msg)).not.toContain(KEY);
    } finally {
      await redis.start();
    }
    await eventually(
      async () => {
        const r = await postJson(dp + closed, { messages: MATH_MESSAGES });
        expect(r.status).toBe(200);
        expect(r.headers.get('x-ai-ratelimit-limit-ai-proxy-openai')).toBe('1000');
      },
      5000,
      200,
    );
  });
});
