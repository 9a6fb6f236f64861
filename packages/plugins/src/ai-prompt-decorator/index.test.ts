import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { aiPromptDecorator } from './index.js';
import { aiPromptDecoratorDefinition, type AiPromptDecoratorConf } from './schema.js';

/** The doc's "Prepend and Append Messages" conf. */
const DOC_CONF = {
  prepend: [{ role: 'system', content: 'Answer briefly and conceptually.' }],
  append: [{ role: 'user', content: 'End the answer with a simple analogy.' }],
};

function prepared(conf: Record<string, unknown> = DOC_CONF) {
  const c = structuredClone(conf);
  expect(checkPluginConf(aiPromptDecoratorDefinition, c, 'route')).toBeUndefined();
  return aiPromptDecorator.prepare!(c as unknown as AiPromptDecoratorConf, {} as never);
}

async function run(body: string, uri = '/openai-chat', conf?: Record<string, unknown>) {
  const ctx = fakeContext({
    body,
    uri,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
  });
  const reply = await aiPromptDecorator.rewrite!(ctx, prepared(conf));
  const out = (await ctx.readBody()).toString();
  return { reply, body: out, contentLength: ctx.headers['content-length'] };
}

describe('ai-prompt-decorator schema', () => {
  it('has APISIX 3.18 priority 1070 and the max_req_body_size default', () => {
    expect(aiPromptDecoratorDefinition.priority).toBe(1070);
    const conf: Record<string, unknown> = { append: [] };
    expect(checkPluginConf(aiPromptDecoratorDefinition, conf, 'route')).toBeUndefined();
    expect(conf.max_req_body_size).toBe(67108864);
  });

  it('requires prepend or append, a known role and non-empty content', () => {
    expect(checkPluginConf(aiPromptDecoratorDefinition, {}, 'route')).toBe(
      'object matches none of the required: ["prepend"] or ["append"] or ["append","prepend"]',
    );
    expect(checkPluginConf(aiPromptDecoratorDefinition, { prepend: [{ role: 'tool', content: 'x' }] }, 'route')).toBe(
      'property "prepend" validation failed: failed to validate item 1: property "role" validation failed: matches none of the enum values',
    );
    expect(checkPluginConf(aiPromptDecoratorDefinition, { append: [{ role: 'user', content: '' }] }, 'route')).toBe(
      'property "append" validation failed: failed to validate item 1: property "content" validation failed: string too short, expected at least 1, got 0',
    );
  });
});

describe('ai-prompt-decorator rewrite', () => {
  it('prepends the system prompt and appends the user prompt around the doc request', async () => {
    const { reply, body } = await run(
      JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: 'What is mTLS authentication?' }] }),
    );
    expect(reply).toBeUndefined();
    expect(JSON.parse(body)).toEqual({
      model: 'gpt-4',
      messages: [DOC_CONF.prepend[0], { role: 'user', content: 'What is mTLS authentication?' }, DOC_CONF.append[0]],
    });
  });

  it('does not accumulate messages across requests on one prepared conf', async () => {
    const state = prepared();
    for (let i = 0; i < 3; i++) {
      const ctx = fakeContext({ body: JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }] }) });
      await aiPromptDecorator.rewrite!(ctx, state);
      expect((JSON.parse((await ctx.readBody()).toString()) as { messages: unknown[] }).messages).toHaveLength(3);
    }
  });

  it('writes the prompts into a Responses API body as instructions and input', async () => {
    const { body } = await run(JSON.stringify({ model: 'gpt-4o', input: 'Hi' }), '/v1/responses');
    expect(JSON.parse(body)).toEqual({
      model: 'gpt-4o',
      instructions: 'Answer briefly and conceptually.',
      input: 'Hi\nEnd the answer with a simple analogy.',
    });
  });

  it('leaves a body of no AI protocol unchanged', async () => {
    const raw = '{"foo": "bar"}';
    expect((await run(raw)).body).toBe(raw);
  });

  it('answers APISIX 400 bodies for an empty, oversized or invalid JSON body', async () => {
    expect((await run('')).reply).toEqual({ status: 400, body: { message: 'could not get body: request body is empty' } });
    expect((await run('{"messages":[]}', '/x', { ...DOC_CONF, max_req_body_size: 5 })).reply).toEqual({
      status: 400,
      body: { message: 'could not get body: request size 15 is greater than the maximum size 5 allowed' },
    });
    expect((await run('{"messages":')).reply).toEqual({
      status: 400,
      body: { message: 'could not parse JSON request body: Expected value but found T_END at character 13' },
    });
  });
});
