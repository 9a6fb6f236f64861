import { describe, expect, it } from 'vitest';
import { detectProtocol } from '@portico/providers';
import { buildBody, isBodyError, type BuiltBody } from './body.js';
import { prepareInstance } from './instance.js';
import { isPlan, planRequest } from './protocol-plan.js';
import type { AiRequest } from './types.js';

const inst = (options?: Record<string, unknown>, provider = 'openai', override?: Record<string, unknown>) =>
  prepareInstance('i', {
    provider,
    auth: { header: { Authorization: 'Bearer k' } },
    ...(options ? { options } : {}),
    ...(override ? { override } : {}),
  } as never);
const req = (body: Record<string, unknown>, uri = '/chat'): AiRequest => ({
  body,
  clientStream: body.stream === true,
  raw: Buffer.from(JSON.stringify(body)),
  protocol: detectProtocol(body, uri)!,
});
function build(r: AiRequest, i: ReturnType<typeof inst>): BuiltBody {
  const plan = planRequest(r, i);
  if (!isPlan(plan)) throw new Error(`no plan: ${JSON.stringify(plan.body)}`);
  const b = buildBody(r, i, plan);
  if (isBodyError(b)) throw new Error(b.error);
  return b;
}

describe('buildBody change tracking (raw bytes forwarded when nothing changed)', () => {
  it('reports unchanged when options repeat the client scalar values', () => {
    expect(build(req({ model: 'm', messages: [] }), inst({ model: 'm' })).changed).toBe(false);
  });
  it('reports changed when an option differs or is an object', () => {
    expect(build(req({ model: 'm', messages: [] }), inst({ model: 'x' })).changed).toBe(true);
    expect(build(req({ model: 'm', messages: [] }), inst({ extra: {} })).changed).toBe(true);
  });
  it('reports changed for streams (stream_options is added)', () => {
    expect(build(req({ stream: true, messages: [] }), inst()).changed).toBe(true);
  });
  it('reports changed when the provider removes the model', () => {
    expect(build(req({ model: 'm', messages: [] }), inst(undefined, 'azure-openai')).changed).toBe(true);
  });
});

describe('override.llm_options.max_tokens (always forced, per provider field)', () => {
  const chat = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 };
  it('openai chat: max_completion_tokens, the client max_tokens is dropped', () => {
    const b = build(req(chat), inst(undefined, 'openai', { llm_options: { max_tokens: 555 } }));
    expect(b.body.max_completion_tokens).toBe(555);
    expect(b.body).not.toHaveProperty('max_tokens');
    expect(b.changed).toBe(true);
  });
  it('openai-compatible chat: max_tokens overwritten', () => {
    const b = build(req(chat), inst(undefined, 'openai-compatible', { endpoint: 'http://h', llm_options: { max_tokens: 555 } }));
    expect(b.body.max_tokens).toBe(555);
  });
  it('responses API: max_output_tokens', () => {
    const b = build(
      req({ input: 'hi', max_output_tokens: 3 }, '/v1/responses'),
      inst(undefined, 'openai', { llm_options: { max_tokens: 9 } }),
    );
    expect(b.body.max_output_tokens).toBe(9);
  });
  it('gemini: max_completion_tokens', () => {
    expect(build(req(chat), inst(undefined, 'gemini', { llm_options: { max_tokens: 7 } })).body.max_completion_tokens).toBe(7);
  });
});

describe('override.request_body (per target protocol deep merge)', () => {
  const body = { messages: [{ role: 'user', content: 'hi' }], temperature: 0.1, metadata: { a: 1 } };
  it('fills only missing fields by default, recursing into objects', () => {
    const b = build(
      req(body),
      inst(undefined, 'openai', { request_body: { 'openai-chat': { temperature: 0.9, top_p: 0.5, metadata: { a: 2, b: 3 } } } }),
    );
    expect(b.body).toMatchObject({ temperature: 0.1, top_p: 0.5, metadata: { a: 1, b: 3 } });
    expect(body.metadata).toEqual({ a: 1 });
  });
  it('overwrites client fields with request_body_force_override', () => {
    const b = build(
      req(body),
      inst(undefined, 'openai', {
        request_body: { 'openai-chat': { temperature: 0.9, metadata: { a: 2 } } },
        request_body_force_override: true,
      }),
    );
    expect(b.body).toMatchObject({ temperature: 0.9, metadata: { a: 2 } });
  });
  it('ignores the entries of other protocols', () => {
    const b = build(req(body), inst(undefined, 'openai', { request_body: { 'openai-responses': { top_p: 1 } } }));
    expect(b.body).not.toHaveProperty('top_p');
    expect(b.changed).toBe(false);
  });
  it('applies to the converted (target) protocol, after llm_options', () => {
    const anthropic = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const b = build(
      req(anthropic, '/v1/messages'),
      inst(undefined, 'openai', {
        llm_options: { max_tokens: 100 },
        request_body: { 'openai-chat': { max_completion_tokens: 200 }, 'anthropic-messages': { max_tokens: 999 } },
        request_body_force_override: true,
      }),
    );
    expect(b.body).toMatchObject({ max_completion_tokens: 200, messages: [{ role: 'user', content: 'hi' }] });
    expect(b.body).not.toHaveProperty('max_tokens');
  });
});

describe('protocol planning', () => {
  it('rejects a protocol the provider lacks with APISIX text', () => {
    const r = req({ input: 'x' }, '/v1/responses');
    const p = planRequest(r, inst(undefined, 'deepseek'));
    expect(isPlan(p)).toBe(false);
    expect(p).toEqual({
      status: 400,
      body: 'provider deepseek does not support openai-responses protocol (supported: openai-chat)',
    });
    expect(planRequest(req({ input: 'x' }, '/v1/responses'), inst(undefined, 'anthropic'))).toEqual({
      status: 400,
      body: 'provider anthropic does not support openai-responses protocol (supported: openai-chat, anthropic-messages)',
    });
  });
  it('bedrock: Converse only; OpenAI chat is routed to the provider module, other protocols refused', () => {
    const bedrock = { conf: { provider: 'bedrock' } } as never;
    const chat = planRequest(req({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] }), bedrock);
    expect(isPlan(chat) && chat.converter).toEqual({ from: 'openai-chat', to: 'bedrock-converse', external: true });
    expect(planRequest(req({ input: 'x' }), bedrock)).toEqual({
      status: 400,
      body: 'provider bedrock does not support openai-embeddings protocol (supported: bedrock-converse)',
    });
    expect(planRequest(req({ messages: [] }, '/v1/messages'), bedrock)).toEqual({
      status: 400,
      body: 'provider bedrock does not support anthropic-messages protocol (supported: bedrock-converse)',
    });
  });
  it('keeps anthropic-messages native on anthropic and converts it for openai', () => {
    const r = req({ messages: [{ role: 'user', content: 'hi' }] }, '/v1/messages');
    const native = planRequest(r, inst(undefined, 'anthropic'));
    expect(isPlan(native) && native.converter).toBe(undefined);
    const conv = planRequest(r, inst(undefined, 'openai'));
    expect(isPlan(conv) && conv.target.name).toBe('openai-chat');
  });
  it('converter errors carry APISIX messages', () => {
    const r = req({ model: 'c', messages: [] }, '/v1/messages');
    const i = inst(undefined, 'openai');
    const plan = planRequest(r, i);
    expect(isPlan(plan) && buildBody(r, i, plan)).toEqual({ error: 'missing messages' });
  });
  it('logs the client protocol request content (anthropic messages, responses input)', () => {
    const msgs = [{ role: 'user', content: 'hi' }];
    expect(build(req({ messages: msgs }, '/v1/messages'), inst()).messages).toEqual(msgs);
    expect(build(req({ input: 'hello' }, '/v1/responses'), inst()).messages).toBe('hello');
  });
});
