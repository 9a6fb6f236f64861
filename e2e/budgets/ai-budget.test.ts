// ai-budget (Portico extension, issue 15): prices per model in plugin_metadata, spend per
// consumer in money, a daily budget shared by two data-plane pods through real Redis,
// X-AI-Budget-* headers and a 429 with a clear body once the budget is spent.
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
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';
import { MATH_MESSAGES, postJson, putAndWait } from '../ai/support.js';

const KEY = 'sk-e2e-budget-provider';
/** The mock answers every chat with 23 prompt + 8 completion tokens (model gpt-4-0613). */
const PRICE = { input: 1000, output: 1000 };
/** 31 tokens × 1000 micro-units = 0.031 per call. */
const COST_MICROS = 31_000;

let etcd: EtcdProcess;
let redis: RedisProcess;
let apps: PorticoApps;
let mock: MockLlm;
let client: Redis;

beforeAll(async () => {
  [etcd, redis, mock] = await Promise.all([startEtcd(), startRedis(), startMockLlm({ apiKey: KEY })]);
  client = new Redis({ port: redis.port, host: '127.0.0.1' });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, dataPlanes: 2 });
});
afterAll(async () => {
  client?.disconnect();
  await apps?.stop();
  await mock?.close();
  await redis?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

const pod = (i: number) => apps.dataPlanes[i]!.url;
const today = () => new Date().toISOString().slice(0, 10);

describe('ai-budget through the Admin API and two data planes', () => {
  it('shows its fields in the plugin schema endpoint and rejects bad confs with the APISIX error shape', async () => {
    const schema = await adminRequest(apps, 'GET', '/apisix/admin/plugins/ai-budget');
    expect(schema.status).toBe(200);
    const props = (schema.json() as { properties: Record<string, unknown> }).properties;
    expect(Object.keys(props)).toEqual(
      expect.arrayContaining(['budgets', 'scope', 'rejected_code', 'rejected_msg', 'show_budget_header', 'policy']),
    );
    const bad = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad-budget', {
      uri: '/bad',
      plugins: {
        'ai-budget': {
          budgets: [
            { period: 'day', limit: 1 },
            { period: 'day', limit: 2 },
          ],
        },
      },
      upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({
      error_msg: "failed to check the configuration of plugin ai-budget err: duplicate budget period 'day'",
    });
    const badMeta = await adminRequest(apps, 'PUT', '/apisix/admin/plugin_metadata/ai-budget', {
      prices: { 'gpt-4': { input: -1, output: 1 } },
    });
    expect(badMeta.status).toBe(400);
    expect(String((badMeta.json() as { error_msg: string }).error_msg)).toMatch(/^invalid configuration: /);
  });

  it('each consumer spends its own daily budget across both pods, then gets 429 with a clear body', async () => {
    const meta = await adminRequest(apps, 'PUT', '/apisix/admin/plugin_metadata/ai-budget', {
      currency: 'USD',
      prices: { 'gpt-4*': PRICE },
    });
    expect([200, 201]).toContain(meta.status);
    for (const [username, key] of [
      ['alice', 'alice-key'],
      ['bob', 'bob-key'],
    ]) {
      await putAndWait(apps, '/apisix/admin/consumers', { username, plugins: { 'key-auth': { key } } }, undefined);
    }
    await putAndWait(
      apps,
      '/apisix/admin/routes/budget',
      {
        uri: '/budget',
        methods: ['POST'],
        plugins: {
          'key-auth': {},
          'ai-budget': {
            budgets: [
              { period: 'day', limit: 0.1 },
              { period: 'month', limit: 5 },
            ],
            policy: 'redis',
            redis_host: '127.0.0.1',
            redis_port: redis.port,
          },
          'ai-proxy': {
            provider: 'openai',
            auth: { header: { Authorization: `Bearer ${KEY}` } },
            options: { model: 'gpt-4' },
            override: { endpoint: mock.url },
          },
        },
      },
      undefined,
    );
    for (let i = 0; i < 2; i++) {
      for (const key of ['alice-key', 'bob-key']) {
        await eventually(async () =>
          expect((await fetch(`${pod(i)}/budget`, { method: 'POST', headers: { apikey: key } })).status).toBe(400),
        );
      }
    }

    const dayKey = `portico-ai-budget:v1:consumer:alice:day:${today()}`;
    const remaining: string[] = [];
    for (let n = 0; n < 4; n++) {
      const r = await postJson(`${pod(n % 2)}/budget`, { messages: MATH_MESSAGES }, { apikey: 'alice-key' });
      expect(r.status, r.text).toBe(200);
      remaining.push(r.headers.get('x-ai-budget-remaining-day') ?? '');
      expect(r.headers.get('x-ai-budget-limit-day')).toBe('0.1');
      expect(r.headers.get('x-ai-budget-limit-month')).toBe('5');
      // The charge lands in the log phase, after the response: wait for it before the next call.
      await eventually(async () => expect(await client.get(dayKey)).toBe(String(COST_MICROS * (n + 1))));
    }
    expect(remaining).toEqual(['0.1', '0.069', '0.038', '0.007']);

    const refused = await postJson(`${pod(0)}/budget`, { messages: MATH_MESSAGES }, { apikey: 'alice-key' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ai-budget-remaining-day')).toBe('0');
    const reset = Number(refused.headers.get('x-ai-budget-reset-day'));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(86_400);
    expect(refused.json()).toEqual({
      error_msg: 'daily AI budget exhausted',
      budget: { period: 'day', limit: 0.1, spent: 0.124, currency: 'USD', reset },
    });
    // The other pod agrees, and the refused calls were never sent to the LLM nor charged.
    const again = await postJson(`${pod(1)}/budget`, { messages: MATH_MESSAGES }, { apikey: 'alice-key' });
    expect(again.status).toBe(429);
    expect(await client.get(dayKey)).toBe(String(COST_MICROS * 4));
    expect(await client.get(`portico-ai-budget:v1:consumer:alice:month:${today().slice(0, 7)}`)).toBe(String(COST_MICROS * 4));

    const bob = await postJson(`${pod(1)}/budget`, { messages: MATH_MESSAGES }, { apikey: 'bob-key' });
    expect(bob.status).toBe(200);
    expect(bob.headers.get('x-ai-budget-remaining-day')).toBe('0.1');
  });

  it('a price change in plugin_metadata applies to the next call without touching the route', async () => {
    await putAndWait(
      apps,
      '/apisix/admin/routes/budget-route-scope',
      {
        uri: '/budget-route',
        methods: ['POST'],
        plugins: {
          'ai-budget': { budgets: [{ period: 'day', limit: 1 }], scope: 'route' },
          'ai-proxy': {
            provider: 'openai',
            auth: { header: { Authorization: `Bearer ${KEY}` } },
            options: { model: 'gpt-4' },
            override: { endpoint: mock.url },
          },
        },
      },
      { uri: '/budget-route' },
    );
    const url = `${pod(0)}/budget-route`;
    expect((await postJson(url, { messages: MATH_MESSAGES })).status).toBe(200);
    await eventually(async () =>
      expect((await postJson(url, { messages: MATH_MESSAGES })).headers.get('x-ai-budget-remaining-day')).not.toBe('1'),
    );
    const before = (await postJson(url, { messages: MATH_MESSAGES })).headers.get('x-ai-budget-remaining-day');
    // Make gpt-4 expensive: 31 tokens × 30,000 µ = 0.93 per call.
    const meta = await adminRequest(apps, 'PUT', '/apisix/admin/plugin_metadata/ai-budget', {
      prices: { 'gpt-4*': { input: 30_000, output: 30_000 } },
    });
    expect(meta.status).toBe(200);
    await eventually(async () => {
      const r = await postJson(url, { messages: MATH_MESSAGES });
      expect(r.status).toBe(429);
    }, 15_000);
    expect(Number(before)).toBeGreaterThan(0.9);
  });
});
