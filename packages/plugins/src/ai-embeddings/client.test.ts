import { bagOfWordsVector, startMockLlm, type MockLlm } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingsClient, EmbeddingsError, parseEmbeddings } from './client.js';

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ apiKey: 'sk-emb', embeddingDims: 16, embedder: bagOfWordsVector });
});
afterAll(() => mock.close());

const client = (extra: Partial<ConstructorParameters<typeof EmbeddingsClient>[0]> = {}) =>
  new EmbeddingsClient({
    url: `${mock.url}/v1/embeddings`,
    headers: { authorization: 'Bearer sk-emb' },
    model: 'text-embedding-3-small',
    timeoutMs: 2000,
    sslVerify: true,
    ...extra,
  });

describe('EmbeddingsClient', () => {
  it('posts {model, input} with the configured auth and returns one vector per input, in order', async () => {
    const c = client({ dimensions: 16 });
    try {
      const vecs = await c.embed(['capital of France', 'bicycle tire']);
      expect(vecs).toEqual([bagOfWordsVector('capital of France', 16), bagOfWordsVector('bicycle tire', 16)]);
      const req = mock.requests.at(-1)!;
      expect(req.headers.authorization).toBe('Bearer sk-emb');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.json).toEqual({ model: 'text-embedding-3-small', input: ['capital of France', 'bicycle tire'], dimensions: 16 });
    } finally {
      c.close();
    }
  });

  it('sends a single text as a string input and leaves model out when not configured (azure)', async () => {
    const c = client({ model: undefined, headers: { 'api-key': 'sk-emb' } });
    try {
      expect(await c.embed('hello world')).toHaveLength(1);
      expect(mock.requests.at(-1)!.json).toEqual({ input: 'hello world' });
    } finally {
      c.close();
    }
  });

  it('reports a non-200 status without quoting the body', async () => {
    const c = client({ headers: { authorization: 'Bearer wrong' } });
    try {
      const err = await c.embed(['x']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmbeddingsError);
      expect(err).toMatchObject({ code: 'EMBEDDINGS_STATUS', message: 'embedding endpoint returned status 401' });
    } finally {
      c.close();
    }
  });

  it('gives up after timeoutMs', async () => {
    mock.setBehavior({ delayHeadersMs: 1000 });
    const c = client({ timeoutMs: 100 });
    try {
      const started = Date.now();
      const err = await c.embed(['x']).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'EMBEDDINGS_REQUEST', message: 'embedding request failed: timeout' });
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      mock.setBehavior(undefined);
      c.close();
    }
  });
});

describe('parseEmbeddings (ai-proxy/embedding.lua checks)', () => {
  it('places vectors by their index', () => {
    const raw = JSON.stringify({
      data: [
        { index: 1, embedding: [2] },
        { index: 0, embedding: [1] },
      ],
    });
    expect(parseEmbeddings(raw, 2)).toEqual([[1], [2]]);
  });

  it.each([
    ['not json', 1, /^invalid embedding response: /],
    ['{"x":1}', 1, 'invalid embedding response: unexpected shape'],
    ['{"data":[1]}', 1, 'invalid embedding entry at index 0'],
    ['{"data":[{"index":5,"embedding":[1]}]}', 1, 'invalid embedding index at entry 0'],
    ['{"data":[{"index":0.5,"embedding":[1]}]}', 1, 'invalid embedding index at entry 0'],
    ['{"data":[{"embedding":[]}]}', 1, 'invalid embedding vector at index 0'],
    ['{"data":[{"embedding":[1,"a"]}]}', 1, 'non-numeric embedding component at index 0'],
    ['{"data":[{"embedding":[1]}]}', 2, 'missing embedding for input index 1'],
  ])('rejects %s', (raw, count, msg) => {
    const err = (() => {
      try {
        parseEmbeddings(raw, count);
      } catch (e) {
        return e as EmbeddingsError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('EMBEDDINGS_RESPONSE');
    if (typeof msg === 'string') expect(err?.message).toBe(msg);
    else expect(err?.message).toMatch(msg);
  });
});
