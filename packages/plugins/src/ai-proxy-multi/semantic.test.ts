import { checkPluginConf } from '@portico/schemas';
import { bagOfWordsVector, startMockLlm, type MockLlm } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { aiProxyMulti, type AiProxyMultiConf } from './index.js';
import { semanticRouter } from './semantic-hook.js';
import { checkSemantic, type SemanticOpts } from './semantic-schema.js';
import { embeddingsUrl, lastUserText, MAX_EMBED_PROMPT_BYTES, SemanticRouter } from './semantic.js';

const auth = { header: { Authorization: 'Bearer t' } };
const inst = (name: string, examples?: string[], extra: Record<string, unknown> = {}) => ({
  name,
  provider: 'openai',
  weight: 1,
  auth,
  ...(examples ? { examples } : {}),
  ...extra,
});
const embeddings = { provider: 'openai', model: 'text-embedding-3-small', auth: { header: { Authorization: 'Bearer e' } } };
const check = (c: Record<string, unknown>) => checkPluginConf(aiProxyMulti, structuredClone(c), 'route');

describe('semantic balancer schema and check (ai-proxy-semantic-schema.t)', () => {
  const semantic = (opts: Record<string, unknown> | undefined, instances = [inst('a', ['x']), inst('b', ['y'])]) => ({
    balancer: { algorithm: 'semantic' },
    ...(opts ? { semantic_opts: opts } : {}),
    instances,
  });
  it.each([
    [semantic(undefined), 'must configure `semantic_opts.embeddings` when balancer algorithm is semantic'],
    [semantic({ embeddings: { ...embeddings, endpoint: 'localhost/v1' } }), 'invalid `semantic_opts.embeddings.endpoint`'],
    [
      semantic({ embeddings: { ...embeddings, provider: 'azure-openai' } }),
      'must configure `semantic_opts.embeddings.endpoint` when embeddings provider is azure-openai',
    ],
    [
      semantic({ embeddings: { ...embeddings, provider: 'azure-openai', endpoint: 'https://r.openai.azure.com/' } }),
      '`semantic_opts.embeddings.endpoint` for azure-openai must include the full deployment path, e.g. https://{resource}.openai.azure.com/openai/deployments/{deployment}/embeddings?api-version=...',
    ],
    [
      semantic({ embeddings }, [inst('a', ['x']), inst('b')]),
      "instance 'b': must configure non-empty `examples` for the semantic algorithm",
    ],
    [semantic({ embeddings, fallback: 'c' }), "`semantic_opts.fallback` names unknown instance 'c'"],
    [
      semantic({ embeddings: { ...embeddings, auth: { aws: {} } } }),
      'property "semantic_opts" validation failed: property "embeddings" validation failed: property "auth" validation failed: additional properties forbidden, found aws',
    ],
    [
      semantic({ embeddings: { ...embeddings, provider: 'cohere' } }),
      'property "semantic_opts" validation failed: property "embeddings" validation failed: property "provider" validation failed: matches none of the enum values',
    ],
    [
      semantic({ embeddings }, [inst('a', ['x'], { threshold: 2 }), inst('b', ['y'])]),
      'property "instances" validation failed: failed to validate item 1: property "threshold" validation failed: expected 2 to be at most 1',
    ],
    [
      semantic({ embeddings }, [inst('a', [])]),
      'property "instances" validation failed: failed to validate item 1: property "examples" validation failed: expect array to have at least 1 items',
    ],
  ])('rejects %j', (conf, err) => {
    expect(check(conf)).toBe(err);
  });

  it('accepts a valid conf and fills semantic_opts defaults', () => {
    const conf = semantic({ embeddings });
    expect(checkPluginConf(aiProxyMulti, conf, 'route')).toBeUndefined();
    expect(conf.semantic_opts).toMatchObject({ threshold: 0, debugging: false, embeddings: { timeout: 3000, ssl_verify: true } });
    expect(checkSemantic(conf.semantic_opts as unknown as SemanticOpts, conf.instances)).toBeUndefined();
  });
});

describe('semantic balancer state', () => {
  it('starts no health checker: health plays no part in semantic routing', () => {
    const checks = { active: { type: 'http', http_path: '/health', healthy: { interval: 1 }, unhealthy: { interval: 1 } } };
    const conf = {
      balancer: { algorithm: 'semantic' },
      semantic_opts: { embeddings: { ...embeddings, endpoint: 'http://127.0.0.1:1' } },
      instances: [inst('a', ['x'], { checks }), inst('b', ['y'], { checks })],
    };
    expect(checkPluginConf(aiProxyMulti, conf, 'route')).toBeUndefined();
    const services = { logger: { debug() {}, info() {}, warn() {}, error() {} }, prefixDir: '.' };
    const state = aiProxyMulti.prepare!(conf as unknown as AiProxyMultiConf, {
      resourceKey: '/apisix/routes/s',
      scope: 'route',
      services,
    });
    try {
      expect(state.checkers.size).toBe(0);
      expect(semanticRouter(state)).toBeDefined();
    } finally {
      aiProxyMulti.destroy!(state);
    }
  });
});

describe('embeddingsUrl and lastUserText', () => {
  it('uses the endpoint path or /v1/embeddings, and appends auth.query', () => {
    const e = (endpoint?: string, query?: Record<string, string>) =>
      embeddingsUrl({
        provider: 'openai',
        model: 'm',
        auth: { ...(query ? { query } : {}) },
        timeout: 1,
        ssl_verify: true,
        ...(endpoint ? { endpoint } : {}),
      });
    expect(e()).toBe('https://api.openai.com/v1/embeddings');
    expect(e('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000/v1/embeddings');
    expect(e('https://r.azure.com/openai/deployments/d/embeddings?api-version=1', { k: 'v' })).toBe(
      'https://r.azure.com/openai/deployments/d/embeddings?api-version=1&k=v',
    );
  });

  it('finds the last user message with text and bounds it', () => {
    const body = {
      messages: [
        { role: 'user', content: 'first' },
        { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }] },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: '' },
      ],
    };
    expect(lastUserText(body, '/chat')).toBe('a b');
    expect(lastUserText({ input: 'responses prompt' }, '/v1/responses')).toBe('responses prompt');
    const items = { input: [{ role: 'user', content: [{ type: 'input_text', text: 'items prompt' }] }] };
    expect(lastUserText(items, '/v1/responses')).toBe('items prompt');
    const anthropic = { system: 'be brief', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi there' }] }] };
    expect(lastUserText(anthropic, '/v1/messages')).toBe('hi there');
    expect(lastUserText({ messages: [{ role: 'system', content: 'x' }] }, '/chat')).toBeUndefined();
    const long = { messages: [{ role: 'user', content: 'x'.repeat(20000) }] };
    expect(Buffer.byteLength(lastUserText(long, '/chat')!)).toBe(MAX_EMBED_PROMPT_BYTES);
  });
});

describe('SemanticRouter', () => {
  let emb: MockLlm;
  beforeAll(async () => {
    emb = await startMockLlm({ apiKey: 'e', embeddingDims: 128, embedder: bagOfWordsVector });
  });
  afterAll(() => emb.close());

  const opts = (extra: Partial<SemanticOpts> = {}): SemanticOpts => ({
    embeddings: {
      provider: 'openai',
      model: 'm',
      endpoint: emb.url,
      auth: { header: { Authorization: 'Bearer e' } },
      timeout: 2000,
      ssl_verify: true,
    },
    threshold: 0,
    debugging: true,
    ...extra,
  });
  const instances = [
    { name: 'geo', examples: ['capital of Japan', 'largest country population'] },
    { name: 'math', examples: ['multiply numbers', 'solve equation'], threshold: 0.9 },
  ];
  const ctxFor = (content: string) => {
    const ctx = fakeCtx();
    ctx.shared.set('ai_shared.state', { request: { body: { messages: [{ role: 'user', content }] } } });
    return ctx;
  };

  it('picks the best instance clearing its own threshold, else the global one, else the fallback', async () => {
    const r = new SemanticRouter(opts({ threshold: 0.3, fallback: 'math' }), instances);
    try {
      const geo = await r.pick(ctxFor('capital of Peru'));
      expect(geo.name).toBe('geo');
      expect(geo.headers['X-AI-Semantic-Picked-Instance']).toBe('geo');
      expect(geo.headers['X-AI-Semantic-Scores']).toBe('geo:0.5000,math:0.0000');
      // math scores 0.5 but its own threshold is 0.9: nothing clears, the fallback serves.
      const fb = await r.pick(ctxFor('multiply apples'));
      expect(fb).toEqual({
        name: 'math',
        headers: { 'X-AI-Semantic-Scores': 'math:0.5000,geo:0.0000', 'X-AI-Semantic-Picked-Instance': 'fallback' },
      });
    } finally {
      r.close();
    }
  });

  it('falls back to the first instance, without debugging headers, when embedding fails or no prompt is found', async () => {
    const r = new SemanticRouter(opts({ debugging: false }), instances);
    try {
      emb.setBehavior({ status: 500 });
      expect(await r.pick(ctxFor('capital of Peru'))).toEqual({ name: 'geo', headers: {} });
      emb.setBehavior(undefined);
      const ctx = fakeCtx();
      ctx.shared.set('ai_shared.state', { request: { body: { messages: [{ role: 'system', content: 'x' }] } } });
      expect(await r.pick(ctx)).toEqual({ name: 'geo', headers: {} });
      expect(ctx.logs.some((l) => l.msg === 'semantic routing: no user message found, falling back')).toBe(true);
      // After the failure the references are embedded again and routing works.
      expect((await r.pick(ctxFor('multiply numbers'))).name).toBe('math');
      const batches = emb.requests.filter(
        (q) => Array.isArray((q.json as { input?: unknown }).input) && (q.json as { input: unknown[] }).input.length === 4,
      );
      expect(batches.length).toBeGreaterThanOrEqual(2);
    } finally {
      emb.setBehavior(undefined);
      r.close();
    }
  });
});
