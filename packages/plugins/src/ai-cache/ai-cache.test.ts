import { checkPluginConf } from '@portico/schemas';
import { bagOfWordsVector, startMockLlm, startRedis, type MockLlm, type RedisProcess } from '@portico/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { aiCache, type AiCacheConf } from './index.js';
import type { AiCacheState } from './prepare.js';
import { CacheStore } from './store.js';

const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
let redis: RedisProcess;
let emb: MockLlm;
const states: AiCacheState[] = [];

beforeAll(async () => {
  redis = await startRedis();
  emb = await startMockLlm({ embeddingDims: 64, embedder: bagOfWordsVector });
});
afterAll(async () => {
  for (const s of states) aiCache.destroy!(s);
  await emb.close();
  await redis.cleanup();
});

function prepared(raw: Record<string, unknown>): AiCacheState {
  const conf = structuredClone({ redis_host: '127.0.0.1', redis_port: redis.port, ...raw });
  const err = checkPluginConf(aiCache, conf, 'route');
  if (err) throw new Error(err);
  const s = aiCache.prepare!(conf as unknown as AiCacheConf, { resourceKey: '/apisix/routes/1', scope: 'route', services });
  states.push(s);
  return s;
}

const INSTANCE = { provider: 'openai', options: { model: 'gpt-4o' } };

/** A context as ai-proxy leaves it after access: request validated, instance picked. */
function aiCtx(content: string, opts: { stream?: boolean; headers?: Record<string, string> } = {}) {
  const ctx = fakeCtx({ headers: opts.headers ?? {} });
  const body = { messages: [{ role: 'user', content }], ...(opts.stream ? { stream: true } : {}) };
  ctx.shared.set('picked_ai_instance_name', 'ai-proxy-openai');
  ctx.shared.set('picked_ai_instance', INSTANCE);
  ctx.shared.set('ai_shared.state', { request: { body, clientStream: opts.stream === true }, stream: opts.stream === true });
  return ctx;
}

/** Run the response phases for an upstream answer, then log (which schedules the write). */
function respond(ctx: ReturnType<typeof fakeCtx>, s: AiCacheState, status: number, body: string, type = 'application/json') {
  ctx.status = status;
  const head = { status, headers: { 'content-type': type } as Record<string, string | readonly string[]> };
  aiCache.headerFilter!(ctx, s, head);
  aiCache.bodyFilter!(ctx, s, Buffer.from(body), false);
  aiCache.bodyFilter!(ctx, s, new Uint8Array(0), true);
  void aiCache.log!(ctx, s);
  return head;
}

async function untilHit(s: AiCacheState, content: string) {
  for (let i = 0; i < 50; i++) {
    const ctx = aiCtx(content);
    const r = await aiCache.access!(ctx, s);
    if (r) return { ctx, reply: r };
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('never hit');
}

describe('ai-cache schema (apisix/plugins/ai-cache/schema.lua)', () => {
  const check = (c: Record<string, unknown>) => checkPluginConf(aiCache, { redis_host: '127.0.0.1', ...c }, 'route');
  it.each([
    [{ layers: [] }, 'property "layers" validation failed: expect array to have at least 1 items'],
    [{ layers: ['semantic'] }, 'property "layers" validation failed: failed to check contains'],
    [{ layers: ['exact', 'exact'] }, 'property "layers" validation failed: expected unique items but items 1 and 2 are equal'],
    [{ layers: ['exact', 'semantic'] }, 'allOf 1 failed: then clause did not match'],
    [{ policy: 'redis-cluster' }, 'property "policy" validation failed: matches none of the enum values'],
    [{ exact: { ttl: 0 } }, 'property "exact" validation failed: property "ttl" validation failed: expected 0 to be at least 1'],
    [
      { bypass_on: [{ header: 'x' }] },
      'property "bypass_on" validation failed: failed to validate item 1: property "equals" is required',
    ],
    [{ fail_mode: 'loud' }, 'property "fail_mode" validation failed: matches none of the enum values'],
    [
      {
        semantic: {
          embedding: { openai: { model: 'm', api_key: 'k' }, azure_openai: { endpoint: 'e', api_key: 'k' } },
          vector_search: { redis: {} },
        },
      },
      'property "semantic" validation failed: property "embedding" validation failed: value should match only one schema, but matches both schemas 1 and 2',
    ],
  ])('rejects %j', (conf, err) => {
    expect(check(conf)).toBe(err);
  });

  it('applies APISIX defaults and declares priority 1035 and the encrypted fields', () => {
    const conf: Record<string, unknown> = { redis_host: '127.0.0.1' };
    expect(checkPluginConf(aiCache, conf, 'route')).toBeUndefined();
    expect(conf).toMatchObject({
      max_cache_body_size: 1048576,
      cache_headers: true,
      fail_mode: 'skip',
      policy: 'redis',
      layers: ['exact'],
      redis_port: 6379,
      redis_timeout: 1000,
    });
    expect(aiCache.priority).toBe(1035);
    expect(aiCache.encryptFields).toEqual([
      'redis_password',
      'semantic.embedding.openai.api_key',
      'semantic.embedding.azure_openai.api_key',
    ]);
  });
});

describe('ai-cache exact layer', () => {
  it('stores a 200 JSON answer of a MISS and serves it on the next identical prompt', async () => {
    const s = prepared({});
    const ctx = aiCtx('what is 2+2?');
    expect(await aiCache.access!(ctx, s)).toBeUndefined();
    expect(ctx.shared.get('ai_cache_status')).toBe('MISS');
    const head = respond(ctx, s, 200, '{"answer":4}');
    expect(head.headers['X-AI-Cache-Status']).toBe('MISS');
    const { ctx: hitCtx, reply } = await untilHit(s, 'what is 2+2?');
    expect(reply).toMatchObject({
      status: 200,
      body: '{"answer":4}',
      headers: { 'Content-Type': 'application/json', 'X-AI-Cache-Age': '0' },
    });
    expect(hitCtx.shared.get('ai_cache_status')).toBe('HIT');
    expect(hitCtx.shared.get('ai_cache_hit_layer')).toBe('exact');
  });

  it('stores neither errors, nor answers over max_cache_body_size, nor a fallback instance answer', async () => {
    const s = prepared({ max_cache_body_size: 4 });
    const err = aiCtx('a');
    await aiCache.access!(err, s);
    respond(err, s, 500, '{}');
    const big = aiCtx('b');
    await aiCache.access!(big, s);
    respond(big, s, 200, '{"toolong":true}');
    const fb = aiCtx('c');
    await aiCache.access!(fb, s);
    fb.shared.set('picked_ai_instance', { provider: 'deepseek' });
    respond(fb, s, 200, '{}');
    await new Promise((r) => setTimeout(r, 100));
    for (const p of ['a', 'b', 'c']) expect(await aiCache.access!(aiCtx(p), s)).toBeUndefined();
  });

  it('does not store a body that never reached its end (stream cut by a limit or the client)', async () => {
    const s = prepared({});
    const ctx = aiCtx('cut');
    await aiCache.access!(ctx, s);
    ctx.status = 200;
    aiCache.headerFilter!(ctx, s, { status: 200, headers: { 'content-type': 'application/json' } });
    aiCache.bodyFilter!(ctx, s, Buffer.from('{"partial":'), false);
    void aiCache.log!(ctx, s);
    await new Promise((r) => setTimeout(r, 100));
    expect(await aiCache.access!(aiCtx('cut'), s)).toBeUndefined();
  });

  it('bypasses on a matching header and rejects requests without ai-proxy when fail_mode is error', async () => {
    const s = prepared({ bypass_on: [{ header: 'X-No-Cache', equals: 'yes' }] });
    const ctx = aiCtx('x', { headers: { 'x-no-cache': 'yes' } });
    expect(await aiCache.access!(ctx, s)).toBeUndefined();
    expect(ctx.shared.get('ai_cache_status')).toBe('BYPASS');
    const strict = prepared({ fail_mode: 'error' });
    expect(await aiCache.access!(fakeCtx(), strict)).toEqual({
      status: 500,
      body: 'ai-cache must be used with the ai-proxy or ai-proxy-multi plugin',
    });
    const lax = fakeCtx();
    expect(await aiCache.access!(lax, s)).toBeUndefined();
    expect(lax.shared.get('ai_cache_status')).toBe('BYPASS');
  });

  it('fails open to MISS when Redis is unreachable', async () => {
    const s = prepared({ redis_port: 1, redis_timeout: 200 });
    const ctx = aiCtx('y');
    expect(await aiCache.access!(ctx, s)).toBeUndefined();
    expect(ctx.shared.get('ai_cache_status')).toBe('MISS');
    expect(ctx.logs.some((l) => l.level === 'warn' && l.msg.startsWith('ai-cache: L1 lookup failed, fail-open as MISS'))).toBe(
      true,
    );
  });

  it('omits the cache headers when cache_headers is false', async () => {
    const s = prepared({ cache_headers: false });
    const ctx = aiCtx('z');
    await aiCache.access!(ctx, s);
    const head = respond(ctx, s, 200, '{"z":1}');
    expect(head.headers['X-AI-Cache-Status']).toBeUndefined();
    const { reply } = await untilHit(s, 'z');
    expect(Object.keys((reply as { headers: object }).headers)).toEqual(['Content-Type']);
  });
});

describe('ai-cache prepare', () => {
  it('warns about an embeddings endpoint without TLS (core.utils.check_https)', () => {
    const warned: string[] = [];
    const logger = { ...services.logger, warn: (m: object | string) => void warned.push(String(m)) };
    const conf: Record<string, unknown> = {
      redis_host: '127.0.0.1',
      redis_port: redis.port,
      semantic: {
        embedding: { openai: { endpoint: 'http://emb/v1/embeddings', model: 'm', api_key: 'k' } },
        vector_search: { redis: {} },
      },
    };
    expect(checkPluginConf(aiCache, conf, 'route')).toBeUndefined();
    states.push(
      aiCache.prepare!(conf as unknown as AiCacheConf, {
        resourceKey: '/apisix/routes/w',
        scope: 'route',
        services: { ...services, logger },
      }),
    );
    expect(warned).toEqual([
      "ai-cache: 'semantic' is configured but not listed in 'layers'; the semantic (L2) cache is inactive",
      'Using ai-cache semantic.embedding.openai.endpoint with no TLS is a security risk',
    ]);
  });
});

describe('ai-cache semantic layer', () => {
  const semantic = (threshold: number) => ({
    layers: ['exact', 'semantic'],
    semantic: {
      similarity_threshold: threshold,
      embedding: { openai: { endpoint: `${emb.url}/v1/embeddings`, model: 'm', api_key: 'k' } },
      vector_search: { redis: { index: `t${Math.random().toString(36).slice(2)}` } },
    },
  });

  it('serves the closest stored prompt above the threshold with its similarity, and records the embedding latency', async () => {
    const s = prepared(semantic(0.7));
    const ctx = aiCtx('capital of France');
    await aiCache.access!(ctx, s);
    expect(typeof ctx.shared.get('ai_cache_embedding_latency')).toBe('number');
    respond(ctx, s, 200, '{"a":"Paris"}');
    const { ctx: hit, reply } = await untilHit(s, 'France capital city');
    const expected = 2 / Math.sqrt(6);
    expect(reply).toMatchObject({
      status: 200,
      body: '{"a":"Paris"}',
      headers: { 'X-AI-Cache-Similarity': expected.toFixed(4) },
    });
    expect(hit.shared.get('ai_cache_hit_layer')).toBe('semantic');
  });

  it('misses below the threshold and for prompts with images', async () => {
    const s = prepared(semantic(0.9));
    const ctx = aiCtx('capital of Spain');
    await aiCache.access!(ctx, s);
    respond(ctx, s, 200, '{"a":"Madrid"}');
    await untilHit(s, 'capital of Spain');
    const far = aiCtx('Spain capital city');
    expect(await aiCache.access!(far, s)).toBeUndefined();
    expect(far.shared.get('ai_cache_status')).toBe('MISS');
  });
});

describe('CacheStore.knn (plain-Redis replacement for FT.SEARCH KNN)', () => {
  it('returns the nearest entry of the partition by cosine distance and drops expired members', async () => {
    const conf = { redis_host: '127.0.0.1', redis_port: redis.port, policy: 'redis' } as unknown as AiCacheConf;
    const store = new CacheStore(conf);
    try {
      const doc = (fp: string, v: number[]) => ({
        prefix: 'knn:l2:',
        setKey: 'knn:idx:p',
        partition: 'p',
        fingerprint: fp,
        embedding: v,
        ttl: 60,
      });
      const entry = (body: string) => ({ body, created_at: 1, format: 'json' as const });
      await store.write('knn:l1:a', entry('A'), 60, doc('a', [1, 0, 0]));
      await store.write('knn:l1:b', entry('B'), 60, doc('b', [0.6, 0.8, 0]));
      const hit = await store.knn('knn:idx:p', [0.5, 1, 0]);
      expect(hit?.body).toBe('B');
      expect(hit?.similarity).toBeCloseTo((0.3 + 0.8) / Math.sqrt(1.25), 5);
      expect(await store.knn('knn:idx:other', [1, 0, 0])).toBeUndefined();
      // An entry that expired leaves the partition set on the next search.
      const r = new Redis({ host: '127.0.0.1', port: redis.port });
      try {
        await r.del('knn:l2:p:b');
        expect((await store.knn('knn:idx:p', [0.5, 1, 0]))?.body).toBe('A');
        expect(await r.smembers('knn:idx:p')).toEqual(['knn:l2:p:a']);
      } finally {
        r.disconnect();
      }
    } finally {
      store.release();
    }
  });
});
