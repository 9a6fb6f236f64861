import { describe, expect, it } from 'vitest';
import { fakeCtx } from '../ai-rate-limiting/fake-ctx.case.js';
import { canonicalJson } from './canonical.js';
import { fingerprint, l1Key, partition, scope } from './key.js';
import { canonicalMessages } from './messages.js';
import { withDefaults } from './prepare.js';
import type { AiCacheConf } from './schema.js';

const inst = { provider: 'openai', options: { model: 'gpt-4o' } };
const body = (content: unknown, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra });
const fp = (b: Record<string, unknown>, i: object = inst, stream = false) =>
  fingerprint('openai-chat', b, i, canonicalMessages('openai-chat', b), stream);
const conf = (cacheKey: Record<string, unknown> = {}) =>
  withDefaults({ redis_host: 'x', cache_key: cacheKey } as unknown as AiCacheConf);

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

describe('fingerprint (the effective upstream request)', () => {
  it('ignores the order of the client body keys', () => {
    expect(fp({ temperature: 0, ...body('hi') })).toBe(fp({ ...body('hi'), temperature: 0 }));
  });

  it('differs by prompt, parameters, stream, instance options and override', () => {
    const base = fp(body('hi'));
    expect(fp(body('hello'))).not.toBe(base);
    expect(fp(body('hi', { temperature: 1 }))).not.toBe(base);
    expect(fp(body('hi'), inst, true)).not.toBe(base);
    expect(fp(body('hi'), { provider: 'openai', options: { model: 'gpt-4o-mini' } })).not.toBe(base);
    expect(fp(body('hi'), { ...inst, override: { endpoint: 'http://other/v1/chat/completions' } })).not.toBe(base);
  });

  it('keeps the client model out when the instance forces one, and a text+image prompt apart from text only', () => {
    expect(fp(body('hi', { model: 'a' }))).toBe(fp(body('hi', { model: 'b' })));
    const image = body([
      { type: 'text', text: 'hi' },
      { type: 'image_url', image_url: { url: 'http://i' } },
    ]);
    expect(fp(image)).not.toBe(fp(body('hi')));
  });
});

describe('scope and keys', () => {
  it('isolates per route by default, and escapes values so they cannot forge another scope', () => {
    const ctx = fakeCtx({ headers: { 'x-tenant': 'a:route=2' }, consumer: 'jack' });
    expect(scope(conf(), ctx)).toBe('route=1');
    expect(scope(conf({ share_across_routes: true }), ctx)).toBe('shared');
    expect(scope(conf({ include_consumer: true, include_vars: ['http_x_tenant'] }), ctx)).toBe(
      'route=1:consumer=jack:http_x_tenant=a%3Aroute%3D2',
    );
    expect(l1Key('route=1', 'abc')).toBe('ai-cache:l1:route=1:abc');
  });

  it('puts different scopes and different context messages in different partitions', () => {
    const b = body('hi');
    const p = partition('route=1', 'openai-chat', b, inst, undefined, false);
    expect(partition('route=2', 'openai-chat', b, inst, undefined, false)).not.toBe(p);
    expect(partition('route=1', 'openai-chat', b, inst, [{ role: 'system', content: 'be brief' }], false)).not.toBe(p);
    // The prompt itself is not part of the partition: paraphrases must meet there.
    expect(partition('route=1', 'openai-chat', body('hello'), inst, undefined, false)).toBe(p);
  });
});
