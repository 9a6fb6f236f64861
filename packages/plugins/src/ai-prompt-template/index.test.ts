import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { aiPromptTemplate } from './index.js';
import { aiPromptTemplateDefinition, type AiPromptTemplateConf } from './schema.js';

/** The doc's templates ("QnA with complexity" and "echo"). */
const DOC_CONF = {
  templates: [
    {
      name: 'QnA with complexity',
      template: {
        model: 'gpt-4',
        messages: [
          { role: 'system', content: 'Answer in {{complexity}}.' },
          { role: 'user', content: 'Explain {{prompt}}.' },
        ],
      },
    },
    { name: 'echo', template: { model: 'gpt-4', messages: [{ role: 'user', content: 'Echo {{prompt}}.' }] } },
    { name: 'broken', template: { messages: [{ role: 'user', content: '{% lua %}' }] } },
  ],
};

const state = (() => {
  const c = structuredClone(DOC_CONF) as Record<string, unknown>;
  expect(checkPluginConf(aiPromptTemplateDefinition, c, 'route')).toBeUndefined();
  return aiPromptTemplate.prepare!(c as unknown as AiPromptTemplateConf, {} as never);
})();

async function run(body: unknown) {
  const ctx = fakeContext({ body: typeof body === 'string' ? body : JSON.stringify(body), uri: '/openai-chat' });
  const reply = await aiPromptTemplate.rewrite!(ctx, state);
  return { reply, body: (await ctx.readBody()).toString() };
}

describe('ai-prompt-template schema', () => {
  it('has priority 1071 and requires at least one named template', () => {
    expect(aiPromptTemplateDefinition.priority).toBe(1071);
    expect(checkPluginConf(aiPromptTemplateDefinition, { templates: [] }, 'route')).toBe(
      'property "templates" validation failed: expect array to have at least 1 items',
    );
    expect(checkPluginConf(aiPromptTemplateDefinition, {}, 'route')).toBe('property "templates" is required');
    expect(checkPluginConf(aiPromptTemplateDefinition, { templates: [{ name: 'a' }] }, 'route')).toBe(
      'property "templates" validation failed: failed to validate item 1: property "template" is required',
    );
  });
});

describe('ai-prompt-template rewrite', () => {
  it('replaces the body with the named template filled from the request (doc example)', async () => {
    const { reply, body } = await run({ template_name: 'QnA with complexity', complexity: 'brief', prompt: 'quick sort' });
    expect(reply).toBeUndefined();
    expect(JSON.parse(body)).toEqual({
      model: 'gpt-4',
      messages: [
        { role: 'system', content: 'Answer in brief.' },
        { role: 'user', content: 'Explain quick sort.' },
      ],
    });
    expect(JSON.parse((await run({ template_name: 'echo', prompt: 'hello APISIX' })).body)).toEqual({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'Echo hello APISIX.' }],
    });
  });

  it('answers 400 when the template name is missing or not configured', async () => {
    expect((await run({ prompt: 'x' })).reply).toEqual({
      status: 400,
      body: { message: 'template name is missing in request.' },
    });
    expect((await run({ template_name: 'random' })).reply).toEqual({
      status: 400,
      body: { message: 'template: random not configured.' },
    });
    expect((await run({ template_name: 5 })).reply).toEqual({ status: 400, body: { message: 'template: 5 not configured.' } });
    expect((await run('')).reply).toEqual({ status: 400, body: { message: 'could not get body: request body is empty' } });
  });

  it('uses the first of two templates with the same name', async () => {
    const conf = {
      templates: [
        { name: 'dup', template: { messages: [{ role: 'user', content: 'first {{x}}' }] } },
        { name: 'dup', template: { messages: [{ role: 'user', content: 'second {{x}}' }] } },
      ],
    };
    expect(checkPluginConf(aiPromptTemplateDefinition, conf, 'route')).toBeUndefined();
    const s = aiPromptTemplate.prepare!(conf as unknown as AiPromptTemplateConf, {} as never);
    const ctx = fakeContext({ body: '{"template_name":"dup","x":1}' });
    expect(await aiPromptTemplate.rewrite!(ctx, s)).toBeUndefined();
    expect(JSON.parse((await ctx.readBody()).toString())).toEqual({ messages: [{ role: 'user', content: 'first 1' }] });
  });

  it('answers 503 like body-transformer when the template cannot be compiled', async () => {
    const { reply } = await run({ template_name: 'broken' });
    expect(reply).toMatchObject({ status: 503 });
    expect((reply as { body: { message: string } }).body.message).toMatch(/^request template compile: /);
  });
});
