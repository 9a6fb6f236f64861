import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm } from './server.js';
import type { MockLlm } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only JSON access
type Json = any;
let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ apiKey: 'k' });
});
afterAll(() => mock.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(mock.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k', ...headers },
    body: JSON.stringify(body),
  });

describe('mock LLM', () => {
  it('answers chat with the mapped model and configured usage', async () => {
    const res = await post('/v1/chat/completions', { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    const j = (await res.json()) as Json;
    expect(j.model).toBe('gpt-4-0613');
    expect(j.choices[0].message.content).toBe('1+1 equals 2.');
    expect(j.usage).toMatchObject({ prompt_tokens: 23, completion_tokens: 8, total_tokens: 31 });
    expect(mock.requests.at(-1)!.json).toEqual({ model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('truncates at max_tokens with finish_reason length', async () => {
    const j = (await (await post('/x', { messages: [], max_tokens: 2 })).json()) as Json;
    expect(j.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: '1+1 equals' } });
    expect(j.usage.completion_tokens).toBe(2);
  });

  it('streams chunks, a usage chunk when asked, then [DONE]', async () => {
    const res = await post('/v1/chat/completions', { messages: [], stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const usage = JSON.parse(events.at(-2)!.slice(6));
    expect(usage.choices).toEqual([]);
    expect(usage.usage.total_tokens).toBe(31);
    const text = events
      .slice(0, -2)
      .map((e) => JSON.parse(e.slice(6)).choices[0].delta.content ?? '')
      .join('');
    expect(text).toBe('1+1 equals 2.');
  });

  it('serves embeddings and vertex predict', async () => {
    const e = (await (await post('/v1/embeddings', { input: ['a', 'b'], model: 'text-embedding-3-small' })).json()) as Json;
    expect(e.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(e.data[0].embedding).toHaveLength(8);
    expect(e.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const v = (await (await post('/p:predict', { instances: [{ content: 'a' }] })).json()) as Json;
    expect(v.predictions[0].embeddings.statistics.token_count).toBe(2);
  });

  it('rejects a wrong key with 401 and fails on demand with OpenAI error bodies', async () => {
    expect((await post('/x', { messages: [] }, { authorization: 'Bearer no' })).status).toBe(401);
    const r = await post('/x', { messages: [] }, { 'x-mock-status': '429' });
    expect(r.status).toBe(429);
    expect(((await r.json()) as Json).error.code).toBe('rate_limit_exceeded');
  });

  it('drops the connection mid-stream', async () => {
    const res = await post('/x', { messages: [], stream: true }, { 'x-mock-drop-after': '1' });
    await expect(res.text()).rejects.toThrow();
  });

  it('answers the health probe', async () => {
    expect((await fetch(mock.url + '/health')).status).toBe(200);
  });
});
