// ai-cache (APISIX 3.18) through the built data plane with a real redis-server and the mock LLM:
// exact (L1) hit / miss / bypass, SSE streams stored and replayed, the semantic (L2) layer
// answering a paraphrase, its prometheus metrics; and ai-proxy-multi's `semantic` balancer
// routing by instance examples. The mock's embeddings are bag-of-words vectors, so prompts that
// share their words are close.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bagOfWordsVector,
  freePort,
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
import { postJson, putAndWait, streamSse } from '../ai/support.js';

const KEY = 'sk-e2e-ai-cache';
const EMB_KEY = 'sk-e2e-embeddings';
const DIMS = 256;
const METRICS_PATH = '/apisix/prometheus/metrics';

let etcd: EtcdProcess;
let redis: RedisProcess;
let apps: PorticoApps;
/** Chat answers of the cached routes. */
let llm: MockLlm;
/** Embeddings for ai-cache's semantic layer and the semantic balancer. */
let embeddings: MockLlm;
let mathLlm: MockLlm;
let geoLlm: MockLlm;
let exportPort: number;
let redisClient: Redis;

const dp = () => apps.dataPlanes[0]!.url;
const chatRequests = (m: MockLlm) => m.requests.filter((r) => Array.isArray((r.json as { messages?: unknown })?.messages));
const ask = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra });

const aiProxy = () => ({
  provider: 'openai',
  auth: { header: { Authorization: `Bearer ${KEY}` } },
  options: { model: 'gpt-4o' },
  override: { endpoint: `${llm.url}/v1/chat/completions` },
});

const redisConf = () => ({ redis_host: '127.0.0.1', redis_port: redis.port });

const semanticConf = (threshold: number) => ({
  similarity_threshold: threshold,
  embedding: { openai: { endpoint: `${embeddings.url}/v1/embeddings`, model: 'text-embedding-3-small', api_key: EMB_KEY } },
  vector_search: { redis: {} },
});

async function cachedRoute(id: string, cache: Record<string, unknown>): Promise<string> {
  await putAndWait(
    apps,
    `/apisix/admin/routes/${id}`,
    { name: `route-${id}`, uri: `/${id}`, methods: ['POST'], plugins: { 'ai-proxy': aiProxy(), 'ai-cache': cache } },
    { uri: `/${id}` },
  );
  return `${dp()}/${id}`;
}

async function scrape(): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${exportPort}${METRICS_PATH}`);
  expect(r.status).toBe(200);
  return r.text();
}

/** The value of the sample whose name and labels are exactly `series`, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  etcd = await startEtcd();
  redis = await startRedis();
  redisClient = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true });
  llm = await startMockLlm({ apiKey: KEY, content: 'Paris is the capital of France.' });
  embeddings = await startMockLlm({ apiKey: EMB_KEY, embeddingDims: DIMS, embedder: bagOfWordsVector });
  mathLlm = await startMockLlm({ apiKey: KEY, content: 'math instance answer' });
  geoLlm = await startMockLlm({ apiKey: KEY, content: 'geography instance answer' });
  exportPort = await freePort();
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    extraConf: { plugin_attr: { prometheus: { export_addr: { ip: '127.0.0.1', port: exportPort } } } },
  });
  const rule = await adminRequest(apps, 'PUT', '/apisix/admin/global_rules/1', { plugins: { prometheus: {} } });
  expect([200, 201]).toContain(rule.status);
});
afterAll(async () => {
  redisClient?.disconnect();
  await apps?.stop();
  for (const m of [llm, embeddings, mathLlm, geoLlm]) await m?.close();
  await redis?.cleanup();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('ai-cache admin validation', () => {
  it('rejects layers without "exact", a semantic layer without its conf and a missing redis_host, with APISIX messages', async () => {
    const put = (cache: Record<string, unknown>) =>
      adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', {
        uri: '/bad',
        plugins: { 'ai-proxy': aiProxy(), 'ai-cache': { ...redisConf(), ...cache } },
      });
    const noExact = await put({ layers: ['semantic'], semantic: semanticConf(0.9) });
    expect(noExact.status).toBe(400);
    expect(noExact.json()).toEqual({
      error_msg:
        'failed to check the configuration of plugin ai-cache err: property "layers" validation failed: failed to check contains',
    });
    const noSemantic = await put({ layers: ['exact', 'semantic'] });
    expect(noSemantic.status).toBe(400);
    expect(noSemantic.json()).toEqual({
      error_msg: 'failed to check the configuration of plugin ai-cache err: allOf 1 failed: then clause did not match',
    });
    const noHost = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', {
      uri: '/bad',
      plugins: { 'ai-proxy': aiProxy(), 'ai-cache': {} },
    });
    expect(noHost.status).toBe(400);
    // The redis fields are checked in an if/then (apisix/utils/redis-schema.lua), hence APISIX's terse message.
    expect(noHost.json()).toEqual({
      error_msg: 'failed to check the configuration of plugin ai-cache err: then clause did not match',
    });
  });
});

describe('exact cache (L1)', () => {
  let url: string;
  beforeAll(async () => {
    url = await cachedRoute('exact', { ...redisConf(), bypass_on: [{ header: 'X-Cache-Bypass', equals: '1' }] });
  });

  it('answers a repeated prompt from Redis: MISS, then HIT with its age, without calling the LLM again', async () => {
    const before = chatRequests(llm).length;
    const first = await postJson(url, ask('How tall is the Eiffel tower?'));
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ai-cache-status')).toBe('MISS');
    expect(chatRequests(llm).length).toBe(before + 1);
    const hit = await eventually(async () => {
      const r = await postJson(url, ask('How tall is the Eiffel tower?'));
      expect(r.headers.get('x-ai-cache-status')).toBe('HIT');
      return r;
    });
    expect(hit.status).toBe(200);
    expect(hit.text).toBe(first.text);
    expect(hit.headers.get('content-type')).toBe('application/json');
    expect(Number(hit.headers.get('x-ai-cache-age'))).toBeGreaterThanOrEqual(0);
    expect(hit.headers.get('x-ai-cache-similarity')).toBeNull();
    expect(chatRequests(llm).length).toBe(before + 1);
    const keys = await redisClient.keys('ai-cache:l1:route=exact:*');
    expect(keys).toHaveLength(1);
    expect(await redisClient.ttl(keys[0]!)).toBeGreaterThan(3500);
  });

  it('misses on a different prompt and bypasses the cache when a bypass_on header matches', async () => {
    const other = await postJson(url, ask('How old is the Eiffel tower?'));
    expect(other.headers.get('x-ai-cache-status')).toBe('MISS');
    const before = chatRequests(llm).length;
    const bypass = await postJson(url, ask('How tall is the Eiffel tower?'), { 'X-Cache-Bypass': '1' });
    expect(bypass.status).toBe(200);
    expect(bypass.headers.get('x-ai-cache-status')).toBe('BYPASS');
    expect(chatRequests(llm).length).toBe(before + 1);
  });

  it('stores a completed SSE stream apart from the JSON answer and replays it whole', async () => {
    const body = ask('How tall is the Eiffel tower?', { stream: true });
    const first = await streamSse(url, body);
    expect(first.status).toBe(200);
    expect(first.headers['x-ai-cache-status']).toBe('MISS');
    expect(first.raw).toContain('data: [DONE]');
    const before = chatRequests(llm).length;
    const hit = await eventually(async () => {
      const r = await streamSse(url, body);
      expect(r.headers['x-ai-cache-status']).toBe('HIT');
      return r;
    });
    expect(hit.headers['content-type']).toBe('text/event-stream');
    expect(hit.raw).toBe(first.raw);
    expect(hit.ending).toBe('end');
    expect(chatRequests(llm).length).toBe(before);
  });

  it('does not store an upstream error', async () => {
    llm.setBehavior({ status: 500 });
    try {
      const r = await postJson(url, ask('Is the Eiffel tower open today?'));
      expect(r.status).toBe(500);
      expect(r.headers.get('x-ai-cache-status')).toBe('MISS');
    } finally {
      llm.setBehavior(undefined);
    }
    const again = await postJson(url, ask('Is the Eiffel tower open today?'));
    expect(again.status).toBe(200);
    expect(again.headers.get('x-ai-cache-status')).toBe('MISS');
  });
});

describe('cache scope', () => {
  it('keeps routes apart by default and shares entries across routes with share_across_routes', async () => {
    const a = await cachedRoute('scope-a', redisConf());
    const b = await cachedRoute('scope-b', redisConf());
    const sa = await cachedRoute('shared-a', { ...redisConf(), cache_key: { share_across_routes: true } });
    const sb = await cachedRoute('shared-b', { ...redisConf(), cache_key: { share_across_routes: true } });
    await postJson(a, ask('Scoped question?'));
    await eventually(async () =>
      expect((await postJson(a, ask('Scoped question?'))).headers.get('x-ai-cache-status')).toBe('HIT'),
    );
    expect((await postJson(b, ask('Scoped question?'))).headers.get('x-ai-cache-status')).toBe('MISS');
    await postJson(sa, ask('Shared question?'));
    await eventually(async () =>
      expect((await postJson(sb, ask('Shared question?'))).headers.get('x-ai-cache-status')).toBe('HIT'),
    );
  });
});

describe('semantic cache (L2)', () => {
  let url: string;
  beforeAll(async () => {
    url = await cachedRoute('semantic', { ...redisConf(), layers: ['exact', 'semantic'], semantic: semanticConf(0.8) });
  });

  it('answers a paraphrase from the closest stored prompt, with its similarity, and backfills L1', async () => {
    const first = await postJson(url, ask('What is the capital of France?'));
    expect(first.headers.get('x-ai-cache-status')).toBe('MISS');
    const embedCall = embeddings.requests.at(-1)!;
    expect(embedCall.headers.authorization).toBe(`Bearer ${EMB_KEY}`);
    expect(embedCall.json).toEqual({ model: 'text-embedding-3-small', input: 'What is the capital of France?' });
    const before = chatRequests(llm).length;
    const para = await eventually(async () => {
      const r = await postJson(url, ask("Tell me France's capital city"));
      expect(r.headers.get('x-ai-cache-status')).toBe('HIT');
      return r;
    });
    expect(para.text).toBe(first.text);
    const similarity = Number(para.headers.get('x-ai-cache-similarity'));
    expect(para.headers.get('x-ai-cache-similarity')).toMatch(/^\d\.\d{4}$/);
    expect(similarity).toBeGreaterThanOrEqual(0.8);
    expect(similarity).toBeLessThan(1);
    expect(chatRequests(llm).length).toBe(before);
    // The paraphrase now has its own L1 entry: no embedding call for it any more.
    const embedsBefore = embeddings.requests.length;
    const exact = await eventually(async () => {
      const r = await postJson(url, ask("Tell me France's capital city"));
      expect(r.headers.get('x-ai-cache-similarity')).toBeNull();
      return r;
    });
    expect(exact.headers.get('x-ai-cache-status')).toBe('HIT');
    expect(embeddings.requests.length).toBe(embedsBefore);
  });

  it('replays a stream for a streamed paraphrase, kept apart from the JSON entries', async () => {
    const first = await streamSse(url, ask('Who painted the Mona Lisa?', { stream: true }));
    expect(first.headers['x-ai-cache-status']).toBe('MISS');
    const hit = await eventually(async () => {
      const r = await streamSse(url, ask('Mona Lisa painted by who?', { stream: true }));
      expect(r.headers['x-ai-cache-status']).toBe('HIT');
      return r;
    });
    expect(hit.headers['content-type']).toBe('text/event-stream');
    expect(hit.headers['x-ai-cache-similarity']).toMatch(/^\d\.\d{4}$/);
    expect(hit.raw).toBe(first.raw);
    // The JSON form of the same question has its own partition: not served from the stream.
    const json = await postJson(url, ask('Mona Lisa painted by who?'));
    expect(json.headers.get('x-ai-cache-status')).toBe('MISS');
    expect(json.headers.get('content-type')).toBe('application/json');
  });

  it('misses on an unrelated prompt (below the similarity threshold)', async () => {
    const r = await postJson(url, ask('How do I fix a flat bicycle tire?'));
    expect(r.headers.get('x-ai-cache-status')).toBe('MISS');
  });

  it('fails open to MISS when the embeddings endpoint fails', async () => {
    embeddings.setBehavior({ status: 503 });
    try {
      const r = await postJson(url, ask('Which river flows through Paris?'));
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ai-cache-status')).toBe('MISS');
    } finally {
      embeddings.setBehavior(undefined);
    }
  });
});

describe('ai-cache behind ai-proxy-multi', () => {
  const instance = (name: string, m: MockLlm, priority: number) => ({
    name,
    provider: 'openai',
    weight: 1,
    priority,
    auth: { header: { Authorization: `Bearer ${KEY}` } },
    options: { model: 'gpt-4o' },
    override: { endpoint: `${m.url}/v1/chat/completions` },
  });

  it("never stores a fallback instance's answer under the key of the instance picked first", async () => {
    await putAndWait(
      apps,
      '/apisix/admin/routes/multi',
      {
        uri: '/multi',
        methods: ['POST'],
        plugins: {
          'ai-proxy-multi': {
            fallback_strategy: ['http_5xx'],
            instances: [instance('primary', mathLlm, 10), instance('spare', geoLlm, 0)],
          },
          'ai-cache': redisConf(),
        },
      },
      { uri: '/multi' },
    );
    mathLlm.setBehavior({ status: 503 });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await postJson(`${dp()}/multi`, ask('Where is the Louvre?'));
        expect(r.status).toBe(200);
        expect(r.text).toContain('geography instance answer');
        expect(r.headers.get('x-ai-cache-status')).toBe('MISS');
        await new Promise((res) => setTimeout(res, 100));
      }
    } finally {
      mathLlm.setBehavior(undefined);
    }
    // The primary answers itself: now it is stored and served.
    const own = await postJson(`${dp()}/multi`, ask('Where is the Louvre?'));
    expect(own.text).toContain('math instance answer');
    const hit = await eventually(async () => {
      const r = await postJson(`${dp()}/multi`, ask('Where is the Louvre?'));
      expect(r.headers.get('x-ai-cache-status')).toBe('HIT');
      return r;
    });
    expect(hit.text).toBe(own.text);
  });
});

describe('ai-cache prometheus metrics', () => {
  it('counts hits per layer, misses and bypasses, and the embedding latency, with APISIX labels', async () => {
    const text = await scrape();
    const common = (id: string, model: string) =>
      `route="route-${id}",route_id="${id}",service="",service_id="",consumer="",node="ai-proxy-openai",request_type="ai_chat",request_llm_model="",llm_model="${model}"`;
    expect(sample(text, `apisix_ai_cache_hits_total{layer="exact",${common('exact', '')}}`)).toBe(1);
    expect(sample(text, `apisix_ai_cache_hits_total{layer="semantic",${common('semantic', '')}}`)).toBe(1);
    expect(sample(text, `apisix_ai_cache_hits_total{layer="exact",${common('semantic', '')}}`)).toBeGreaterThanOrEqual(1);
    expect(sample(text, `apisix_ai_cache_bypasses_total{${common('exact', 'gpt-4o')}}`)).toBe(1);
    expect(sample(text, `apisix_ai_cache_misses_total{${common('exact', 'gpt-4o')}}`)).toBeGreaterThanOrEqual(3);
    expect(text).toContain('# TYPE apisix_ai_cache_embedding_latency histogram');
    const count = text
      .split('\n')
      .filter((l) => l.startsWith('apisix_ai_cache_embedding_latency_count{') && l.includes('route_id="semantic"'))
      .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(count).toBeGreaterThanOrEqual(4);
    expect(text).toMatch(
      /apisix_ai_cache_embedding_latency_bucket\{route="route-semantic",route_id="semantic",.*,le="1000"\} \d+/,
    );
  });
});

describe('ai-proxy-multi semantic balancer', () => {
  const instance = (name: string, m: MockLlm, examples: string[], extra: Record<string, unknown> = {}) => ({
    name,
    provider: 'openai',
    weight: 1,
    auth: { header: { Authorization: `Bearer ${KEY}` } },
    options: { model: 'gpt-4o' },
    override: { endpoint: `${m.url}/v1/chat/completions` },
    examples,
    ...extra,
  });
  const multi = (semanticOpts: Record<string, unknown>) => ({
    balancer: { algorithm: 'semantic' },
    semantic_opts: {
      embeddings: {
        provider: 'openai',
        model: 'text-embedding-3-small',
        endpoint: embeddings.url,
        auth: { header: { Authorization: `Bearer ${EMB_KEY}` } },
      },
      ...semanticOpts,
    },
    instances: [
      instance('geo', geoLlm, ['What is the capital of Japan?', 'Which country has the largest population?']),
      instance('math', mathLlm, ['What is 12 times 7?', 'Solve the equation x squared equals 16']),
    ],
  });

  it('rejects an instance without examples with APISIX message', async () => {
    const conf = multi({});
    delete (conf.instances[1] as { examples?: unknown }).examples;
    const r = await adminRequest(apps, 'PUT', '/apisix/admin/routes/sem-bad', {
      uri: '/sem-bad',
      plugins: { 'ai-proxy-multi': conf },
    });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      error_msg:
        "failed to check the configuration of plugin ai-proxy-multi err: instance 'math': must configure non-empty `examples` for the semantic algorithm",
    });
    const unknown = await adminRequest(apps, 'PUT', '/apisix/admin/routes/sem-bad', {
      uri: '/sem-bad',
      plugins: { 'ai-proxy-multi': multi({ fallback: 'nope' }) },
    });
    expect(unknown.json()).toEqual({
      error_msg:
        "failed to check the configuration of plugin ai-proxy-multi err: `semantic_opts.fallback` names unknown instance 'nope'",
    });
  });

  it('routes each prompt to the instance with the closest examples and explains it in debugging headers', async () => {
    await putAndWait(
      apps,
      '/apisix/admin/routes/sem',
      {
        uri: '/sem',
        methods: ['POST'],
        plugins: { 'ai-proxy-multi': multi({ debugging: true, threshold: 0.3, fallback: 'math' }) },
      },
      { uri: '/sem' },
    );
    const math = await postJson(`${dp()}/sem`, ask('What is 9 times 7?'));
    expect(math.status).toBe(200);
    expect(math.text).toContain('math instance answer');
    expect(math.headers.get('x-ai-semantic-picked-instance')).toBe('math');
    expect(math.headers.get('x-ai-semantic-scores')).toMatch(/^math:\d\.\d{4},geo:-?\d\.\d{4}$/);

    const geo = await postJson(`${dp()}/sem`, ask('What is the capital of Peru?'));
    expect(geo.text).toContain('geography instance answer');
    expect(geo.headers.get('x-ai-semantic-picked-instance')).toBe('geo');
    expect(geo.headers.get('x-ai-semantic-scores')).toMatch(/^geo:\d\.\d{4},math:-?\d\.\d{4}$/);

    // Nothing clears the threshold: the fallback instance answers.
    const none = await postJson(`${dp()}/sem`, ask('Recommend a good bicycle tire brand'));
    expect(none.headers.get('x-ai-semantic-picked-instance')).toBe('fallback');
    expect(none.text).toContain('math instance answer');
    // The examples were embedded once, in one batch.
    const batches = embeddings.requests.filter(
      (r) => Array.isArray((r.json as { input?: unknown }).input) && (r.json as { input: unknown[] }).input.length === 4,
    );
    expect(batches).toHaveLength(1);
  });

  it('does not fall back to another instance when the picked one fails', async () => {
    geoLlm.setBehavior({ status: 500 });
    try {
      const before = chatRequests(mathLlm).length;
      const r = await postJson(`${dp()}/sem`, ask('What is the capital of Chile?'));
      expect(r.status).toBe(500);
      expect(chatRequests(mathLlm).length).toBe(before);
    } finally {
      geoLlm.setBehavior(undefined);
    }
  });
});
