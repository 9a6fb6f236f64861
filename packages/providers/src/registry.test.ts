import { describe, expect, it } from 'vitest';
import { classifyRequest, getProvider, isProviderName, PROVIDER_NAMES } from './index.js';

const input = { providerConf: {}, model: 'm' };

describe('provider registry', () => {
  it('lists providers in APISIX 3.17+ enum order (gemini, vertex-ai, bedrock last)', () => {
    expect(PROVIDER_NAMES).toEqual([
      'openai',
      'deepseek',
      'aimlapi',
      'anthropic',
      'openai-compatible',
      'azure-openai',
      'openrouter',
      'gemini',
      'vertex-ai',
      'bedrock',
    ]);
  });

  it('has a descriptor for every enum name and rejects others', () => {
    for (const n of PROVIDER_NAMES) expect(getProvider(n).name).toBe(n);
    expect(isProviderName('bedrock')).toBe(true);
    expect(isProviderName('cohere')).toBe(false);
    expect(isProviderName('toString')).toBe(false);
  });

  it.each([
    ['openai', 'chat', 'api.openai.com', '/v1/chat/completions'],
    ['openai', 'embeddings', 'api.openai.com', '/v1/embeddings'],
    ['deepseek', 'chat', 'api.deepseek.com', '/chat/completions'],
    ['deepseek', 'embeddings', 'api.deepseek.com', '/chat/completions'],
    ['aimlapi', 'chat', 'api.aimlapi.com', '/chat/completions'],
    ['anthropic', 'chat', 'api.anthropic.com', '/v1/chat/completions'],
    ['openai-compatible', 'chat', undefined, '/v1/chat/completions'],
    ['openai-compatible', 'embeddings', undefined, '/v1/embeddings'],
    ['azure-openai', 'chat', undefined, '/completions'],
    ['openrouter', 'chat', 'openrouter.ai', '/api/v1/chat/completions'],
    ['gemini', 'chat', 'generativelanguage.googleapis.com', '/v1beta/openai/chat/completions'],
  ] as const)('%s %s defaults to https://%s%s', (name, cap, host, path) => {
    expect(getProvider(name).defaultTarget(cap, input)).toEqual({ scheme: 'https', host, path });
  });

  it('removes model only for azure-openai and bedrock', () => {
    expect(PROVIDER_NAMES.filter((n) => getProvider(n).removeModel)).toEqual(['azure-openai', 'bedrock']);
  });

  it('computes vertex-ai host and paths from provider_conf', () => {
    const v = getProvider('vertex-ai');
    const conf = { providerConf: { project_id: 'p1', region: 'us-central1' }, model: 'text-embedding-004' };
    expect(v.defaultTarget('chat', conf)).toEqual({
      scheme: 'https',
      host: 'us-central1-aiplatform.googleapis.com',
      path: '/v1beta1/projects/p1/locations/us-central1/endpoints/openapi/chat/completions',
    });
    expect(v.defaultTarget('embeddings', conf).path).toBe(
      '/v1/projects/p1/locations/us-central1/publishers/google/models/text-embedding-004:predict',
    );
    expect(v.defaultTarget('chat', { providerConf: { region: 'x' }, model: undefined })).toEqual({ scheme: 'https' });
  });

  it('classifies input-without-messages as embeddings, everything else as chat', () => {
    expect(classifyRequest({ input: 'hi' })).toBe('embeddings');
    expect(classifyRequest({ input: 'hi', messages: [] })).toBe('chat');
    expect(classifyRequest({ messages: [] })).toBe('chat');
    expect(classifyRequest({})).toBe('chat');
  });
});

describe('vertex-ai embeddings conversion', () => {
  const v = getProvider('vertex-ai');
  it('converts string and array inputs to predict instances', () => {
    expect(v.encodeRequest!({ input: 'a', model: 'm' }, 'embeddings')).toEqual({
      ok: true,
      value: { instances: [{ content: 'a' }] },
    });
    expect(v.encodeRequest!({ input: ['a', ['b', 'c']] }, 'embeddings')).toEqual({
      ok: true,
      value: { instances: [{ content: 'a' }, { content: 'b c' }] },
    });
  });
  it('returns APISIX errors for bad input', () => {
    expect(v.encodeRequest!({ input: 5 }, 'embeddings')).toEqual({ ok: false, error: '`input` must be string or array' });
    expect(v.encodeRequest!({ input: ['a', 3] }, 'embeddings')).toEqual({
      ok: false,
      error: 'unsupported input type at index 2',
    });
    expect(v.encodeRequest!({ input: null }, 'embeddings')).toEqual({ ok: false, error: '`input` is required for embeddings' });
  });
  it('leaves chat bodies alone', () => {
    const body = { messages: [] };
    expect(v.encodeRequest!(body, 'chat')).toEqual({ ok: true, value: body });
    expect(v.decodeResponse!({ a: 1 }, 'chat', 'm')).toBeUndefined();
  });
  it('converts predictions to an OpenAI embeddings list with summed token counts', () => {
    const resp = {
      predictions: [
        { embeddings: { values: [0.1, 0.2], statistics: { token_count: 2 } } },
        { embeddings: { values: [0.3], statistics: { token_count: 3 } } },
      ],
    };
    expect(v.decodeResponse!(resp, 'embeddings', 'text-embedding-004')).toEqual({
      ok: true,
      value: {
        object: 'list',
        data: [
          { object: 'embedding', index: 0, embedding: [0.1, 0.2] },
          { object: 'embedding', index: 1, embedding: [0.3] },
        ],
        model: 'text-embedding-004',
        usage: { prompt_tokens: 5, total_tokens: 5 },
      },
    });
    expect(v.decodeResponse!({ predictions: [{}] }, 'embeddings', undefined)).toEqual({
      ok: false,
      error: 'invalid embedding at index 1',
    });
    expect(v.decodeResponse!({}, 'embeddings', undefined)).toEqual({ ok: false, error: 'vertex response missing predictions' });
  });
});
