import type { PluginModule, RequestContext } from '@portico/plugin-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { echoHandler, startTestDataPlane, startUpstream, type TestDataPlane, type TestUpstream } from '../testing.case.js';

/** Phases seen per plugin name, in order, for requests under /cg. */
const calls: string[] = [];

const auth: PluginModule = {
  name: 'fake-auth',
  priority: 2500,
  type: 'auth',
  schema: { type: 'object' },
  consumerSchema: { type: 'object', properties: { user: { type: 'string' } }, required: ['user'] },
  rewrite(ctx) {
    const u = ctx.headers['x-user'];
    const c = typeof u === 'string' ? ctx.consumers.findByAuth('fake-auth', 'user', u) : undefined;
    if (!c) return { status: 401, body: { message: 'who?' } };
    ctx.attachConsumer(c);
    return undefined;
  },
};

/** Records its tag per phase and exposes the access-phase tag and consumer_group_id. */
function tagger(name: string, priority: number): PluginModule {
  return {
    name,
    priority,
    schema: { type: 'object', properties: { tag: { type: 'string' } }, required: ['tag'] },
    rewrite(_ctx: RequestContext, s: { tag: string }) {
      calls.push(`${name}:rewrite(${s.tag})`);
    },
    access(ctx: RequestContext, s: { tag: string }) {
      calls.push(`${name}:access(${s.tag})`);
      ctx.respHeaders[`x-${name}`] = s.tag;
      ctx.respHeaders['x-group'] = ctx.vars.get('consumer_group_id') ?? '-';
    },
  };
}

let t: TestDataPlane;
let up: TestUpstream;

beforeAll(async () => {
  t = await startTestDataPlane({ plugins: [auth, tagger('one', 100), tagger('two', 90), tagger('three', 80)] });
  up = await startUpstream(echoHandler);
  const upstream = { nodes: { [up.addr]: 1 } };
  await t.put('consumer_groups/gold', { plugins: { one: { tag: 'group' }, two: { tag: 'group' }, three: { tag: 'group' } } });
  await t.put('consumer_groups/spare', { plugins: { three: { tag: 'spare' } } });
  // jack overrides `one` over his group; the route has `one` and `two`.
  await t.put('consumers/jack', {
    username: 'jack',
    group_id: 'gold',
    plugins: { 'fake-auth': { user: 'jack' }, one: { tag: 'consumer' } },
  });
  // amy has no plugins of her own: she authenticates through a credential.
  await t.put('consumers/amy', { username: 'amy', group_id: 'gold' });
  await t.put('consumers/amy/credentials/c1', { plugins: { 'fake-auth': { user: 'amy' } } });
  await t.put('consumers/lost', { username: 'lost', group_id: 'ghost', plugins: { 'fake-auth': { user: 'lost' } } });
  await t.put('consumers/solo', { username: 'solo', plugins: { 'fake-auth': { user: 'solo' } } });
  await t.put('routes/cg', { uri: '/cg', plugins: { 'fake-auth': {}, one: { tag: 'route' }, two: { tag: 'route' } }, upstream });
});

afterAll(async () => {
  await t.close();
  await up.close();
});

beforeEach(() => {
  calls.length = 0;
});

const hit = (user: string) => fetch(`${t.url}/cg`, { headers: { 'x-user': user } });

describe('consumer group plugin merge', () => {
  it('merges group then consumer plugins over the route: consumer wins over group, group over route', async () => {
    const res = await hit('jack');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-one')).toBe('consumer');
    expect(res.headers.get('x-two')).toBe('group');
    expect(res.headers.get('x-three')).toBe('group');
    expect(res.headers.get('x-group')).toBe('gold');
    // Route plugins' rewrite ran with the route confs before the merge; only `three`, which the
    // route lacks, gets its rewrite run afterwards (apisix/plugin.lua rewrite_in_consumer).
    expect(calls).toEqual([
      'one:rewrite(route)',
      'two:rewrite(route)',
      'three:rewrite(group)',
      'one:access(consumer)',
      'two:access(group)',
      'three:access(group)',
    ]);
  });

  it('applies group plugins to a consumer without plugins of its own (credential auth)', async () => {
    const res = await hit('amy');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-one')).toBe('group');
    expect(res.headers.get('x-two')).toBe('group');
    expect(res.headers.get('x-three')).toBe('group');
    expect(res.headers.get('x-group')).toBe('gold');
    const body = (await res.json()) as { headers: Record<string, string> };
    expect(body.headers['x-consumer-username']).toBe('amy');
    expect(body.headers['x-credential-identifier']).toBe('c1');
  });

  it('leaves route plugins and an empty consumer_group_id for a consumer without a group', async () => {
    const res = await hit('solo');
    expect(res.headers.get('x-one')).toBe('route');
    expect(res.headers.get('x-two')).toBe('route');
    expect(res.headers.get('x-three')).toBe(null);
    expect(res.headers.get('x-group')).toBe('-');
  });

  it('answers 503 with no access phase run when the consumer group is missing', async () => {
    const res = await hit('lost');
    expect(res.status).toBe(503);
    expect(calls).toEqual(['one:rewrite(route)', 'two:rewrite(route)']);
  });

  it('follows group updates, a consumer moving group, and group deletion', async () => {
    await t.put('consumer_groups/gold', { plugins: { two: { tag: 'gold-v2' } } });
    let res = await hit('amy');
    expect(res.headers.get('x-two')).toBe('gold-v2');
    expect(res.headers.get('x-three')).toBe(null);

    await t.put('consumers/amy', { username: 'amy', group_id: 'spare' });
    res = await hit('amy');
    expect(res.headers.get('x-two')).toBe('route');
    expect(res.headers.get('x-three')).toBe('spare');
    expect(res.headers.get('x-group')).toBe('spare');

    await t.del('consumer_groups/spare');
    expect((await hit('amy')).status).toBe(503);
  });
});
