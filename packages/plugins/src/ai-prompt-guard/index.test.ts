import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { aiPromptGuard } from './index.js';
import { aiPromptGuardDefinition, type AiPromptGuardConf } from './schema.js';

// The doc's patterns after shell and JSON unescaping: a US dollar amount, a US phone number.
const ALLOW = '\\$?\\(?\\d{1,3}(,\\d{3})*(\\.\\d{1,2})?\\)?';
const DENY = '(\\([0-9]{3}\\)|[0-9]{3}-)[0-9]{3}-[0-9]{4}';

function guard(conf: Record<string, unknown>) {
  const c = structuredClone(conf);
  expect(checkPluginConf(aiPromptGuardDefinition, c, 'route')).toBeUndefined();
  const state = aiPromptGuard.prepare!(c as unknown as AiPromptGuardConf, {} as never);
  return async (body: unknown, uri = '/anything') => {
    const ctx = fakeContext({ body: typeof body === 'string' ? body : JSON.stringify(body), uri });
    return { reply: await aiPromptGuard.access!(ctx, state), logs: ctx.logs };
  };
}

const chat = (...messages: [string, string][]) => ({ messages: messages.map(([role, content]) => ({ role, content })) });
const SYSTEM = 'Rate if the purchase is at a decent price in USD.';
const NO_ALLOW = { status: 400, body: { message: "Request doesn't match allow patterns" } };
const DENIED = { status: 400, body: { message: 'Request contains prohibited content' } };

describe('ai-prompt-guard schema', () => {
  it('applies the 3.18 defaults at priority 1072', () => {
    const conf: Record<string, unknown> = {};
    expect(checkPluginConf(aiPromptGuardDefinition, conf, 'route')).toBeUndefined();
    expect(conf).toEqual({
      max_req_body_size: 67108864,
      match_all_roles: false,
      match_all_conversation_history: false,
      allow_patterns: [],
      deny_patterns: [],
      fail_mode: 'skip',
    });
    expect(aiPromptGuardDefinition.priority).toBe(1072);
  });

  it('rejects patterns that do not compile with check_schema messages', () => {
    expect(checkPluginConf(aiPromptGuardDefinition, { allow_patterns: ['ok', '[a'] }, 'route')).toBe('invalid allow_pattern: [a');
    expect(checkPluginConf(aiPromptGuardDefinition, { deny_patterns: ['(abc'] }, 'route')).toBe('invalid deny_pattern: (abc');
    expect(checkPluginConf(aiPromptGuardDefinition, { fail_mode: 'block' }, 'route')).toBe(
      'property "fail_mode" validation failed: matches none of the enum values',
    );
  });
});

describe('ai-prompt-guard with default match modes (doc: "Implement Allow and Deny Patterns")', () => {
  const check = guard({ allow_patterns: [ALLOW], deny_patterns: [DENY] });

  it('passes a price, rejects no price, then rejects a phone number', async () => {
    expect(
      (await check(chat(['system', SYSTEM], ['user', 'John paid $12.5 for a hot brewed coffee in El Paso.']))).reply,
    ).toBeUndefined();
    expect(
      (await check(chat(['system', SYSTEM], ['user', 'John paid a bit for a hot brewed coffee in El Paso.']))).reply,
    ).toEqual(NO_ALLOW);
    expect(
      (await check(chat(['system', SYSTEM], ['user', 'John (647-200-9393) paid $12.5 for a hot brewed coffee in El Paso.'])))
        .reply,
    ).toEqual(DENIED);
  });

  it('ignores the system prompt and earlier messages', async () => {
    expect(
      (
        await check(
          chat(
            ['system', 'Rate if the purchase from 647-200-9393 is at a decent price in USD.'],
            ['user', 'John paid $12.5 for a coffee.'],
          ),
        )
      ).reply,
    ).toBeUndefined();
    expect(
      (
        await check(
          chat(['system', SYSTEM], ['user', 'Customer John contact: 647-200-9393'], ['user', 'John paid $12.5 for a coffee.']),
        )
      ).reply,
    ).toBeUndefined();
  });

  it('lets a request through when the last message is not from the user', async () => {
    expect((await check(chat(['user', 'call 647-200-9393'], ['assistant', 'no']))).reply).toBeUndefined();
  });
});

describe('ai-prompt-guard over all roles and the whole history', () => {
  const check = guard({
    match_all_roles: true,
    match_all_conversation_history: true,
    allow_patterns: [ALLOW],
    deny_patterns: [DENY],
  });

  it('rejects prohibited content anywhere and passes a conforming conversation (doc example)', async () => {
    expect(
      (
        await check(
          chat(
            ['system', 'Rate if the purchase from 647-200-9393 is at a decent price in USD.'],
            ['user', 'John paid $12.5 for a coffee.'],
          ),
        )
      ).reply,
    ).toEqual(DENIED);
    expect(
      (
        await check(
          chat(['system', SYSTEM], ['user', 'Customer John contact: 647-200-9393'], ['user', 'John paid $12.5 for a coffee.']),
        )
      ).reply,
    ).toEqual(DENIED);
    expect(
      (
        await check(
          chat(
            ['system', SYSTEM],
            ['system', 'The purchase is made in El Paso.'],
            ['user', 'Customer John contact: xxx-xxx-xxxx'],
            ['user', 'John paid $12.5 for a hot brewed coffee.'],
          ),
        )
      ).reply,
    ).toBeUndefined();
  });

  it('scans text parts of structured content only', async () => {
    const body = {
      messages: [
        { role: 'assistant', content: [{ type: 'text', text: 'call 647-200-9393' }] },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'http://x/647-200-9393' } },
            { type: 'text', text: '$1' },
          ],
        },
      ],
    };
    expect((await check(body)).reply).toEqual(DENIED);
    body.messages[0]!.content = [{ type: 'text', text: 'fine $2' }];
    expect((await check(body)).reply).toBeUndefined();
  });
});

describe('ai-prompt-guard on other protocols and non-AI requests', () => {
  it('checks Responses API instructions and input together', async () => {
    const check = guard({ match_all_roles: true, deny_patterns: ['badword'] });
    expect((await check({ instructions: 'badword', input: 'hello' }, '/v1/responses')).reply).toEqual(DENIED);
    expect(
      (await check({ instructions: 'ok', input: ['hi', { role: 'user', content: 'badword' }] }, '/v1/responses')).reply,
    ).toEqual(DENIED);
    expect((await check({ instructions: 'ok', input: 'hello' }, '/v1/responses')).reply).toBeUndefined();
    const userOnly = guard({ deny_patterns: ['badword'] });
    expect((await userOnly({ instructions: 'badword', input: 'hello' }, '/v1/responses')).reply).toBeUndefined();
    expect((await userOnly({ instructions: 'ok', input: 'badword' }, '/v1/responses')).reply).toEqual(DENIED);
  });

  it('lets non-AI and non-JSON bodies through by default, logging why', async () => {
    const check = guard({ match_all_roles: true, deny_patterns: ['badword'] });
    const r = await check({ foo: 'badword' });
    expect(r.reply).toBeUndefined();
    expect(
      r.logs.some(
        (l) => l.level === 'info' && l.msg === 'ai-prompt-guard skipped: request body does not match any supported AI protocol',
      ),
    ).toBe(true);
    expect((await check('name=alice&action=upload')).reply).toBeUndefined();
  });

  it('rejects them with fail_mode error, and logs a warning with fail_mode warn', async () => {
    const strict = guard({ deny_patterns: ['badword'], fail_mode: 'error' });
    expect((await strict({ foo: 'bar' })).reply).toEqual({
      status: 400,
      body: { message: 'Request format not recognized by ai-prompt-guard' },
    });
    expect((await strict('not json')).reply).toEqual({
      status: 400,
      body: { message: 'Expected value but found invalid token at character 1' },
    });
    const warn = guard({ fail_mode: 'warn' });
    const r = await warn('not json');
    expect(r.reply).toBeUndefined();
    expect(
      r.logs.some((l) => l.level === 'warn' && l.msg?.startsWith('ai-prompt-guard skipped: request body is not valid JSON')),
    ).toBe(true);
  });

  it('answers "Empty request body" for an empty or oversized body', async () => {
    const empty = { status: 400, body: { message: 'Empty request body' } };
    expect((await guard({})('')).reply).toEqual(empty);
    expect((await guard({ max_req_body_size: 4 })(chat(['user', 'x']))).reply).toEqual(empty);
  });

  it('honours a leading (?i) option', async () => {
    const check = guard({ deny_patterns: ['(?i)secret'] });
    expect((await check(chat(['user', 'my SECRET']))).reply).toEqual(DENIED);
  });
});
