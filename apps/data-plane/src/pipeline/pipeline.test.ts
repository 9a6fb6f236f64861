import { request } from 'node:http';
import type { PluginModule, RequestContext } from '@portico/plugin-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { echoHandler, startTestDataPlane, startUpstream, type TestDataPlane, type TestUpstream } from '../testing.case.js';

const calls: string[] = [];
const logged: string[] = [];

function fake(name: string, priority: number, extra: Partial<PluginModule> = {}): PluginModule {
  const rec = (phase: string) => (ctx: RequestContext, state: { tag?: string }) => {
    if (ctx.uri.startsWith('/order')) calls.push(`${name}:${phase}${state.tag ? `(${state.tag})` : ''}`);
    return undefined;
  };
  return {
    name,
    priority,
    schema: { type: 'object', properties: { tag: { type: 'string' } } },
    rewrite: rec('rewrite'),
    access: rec('access'),
    beforeProxy: rec('beforeProxy'),
    ...extra,
  };
}

const replier: PluginModule = {
  name: 'replier',
  priority: 3000,
  schema: { type: 'object', properties: { status: { type: 'integer' }, body: {} } },
  access: (_ctx, s: { status: number; body?: unknown }) => ({ status: s.status, body: s.body, headers: { 'X-Replied': 'yes' } }),
};

const fakeAuth: PluginModule = {
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

const tagger: PluginModule = {
  name: 'tagger',
  priority: 100,
  schema: { type: 'object', properties: { tag: { type: 'string' } } },
  rewrite(ctx, s: { tag: string }) {
    ctx.respHeaders['x-rewrite-tag'] = s.tag;
  },
  access(ctx, s: { tag: string }) {
    ctx.respHeaders['x-tag'] = s.tag;
  },
};

const headerFilterer: PluginModule = {
  name: 'hf',
  priority: 10,
  schema: { type: 'object' },
  headerFilter(_ctx, _s, head) {
    head.headers['x-filtered'] = String(head.status);
  },
};

const thrower: PluginModule = {
  name: 'thrower',
  priority: 10,
  schema: { type: 'object' },
  access() {
    throw new Error('boom');
  },
};

const logger1: PluginModule = {
  name: 'logger1',
  priority: 5,
  schema: { type: 'object' },
  log(ctx) {
    logged.push(`first:${ctx.status}`);
    throw new Error('log failure must be contained');
  },
};
const logger2: PluginModule = {
  name: 'logger2',
  priority: 4,
  schema: { type: 'object' },
  async log(ctx) {
    logged.push(`second:${ctx.status}:${ctx.bytesSent}`);
  },
};

const streamer: PluginModule = {
  name: 'streamer',
  priority: 1,
  schema: { type: 'object' },
  beforeProxy() {
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        yield Buffer.from('data: first\n\n');
        await new Promise<void>((r) => (releaseStream = r));
        yield Buffer.from('data: second\n\n');
      })(),
    };
  },
};

let t: TestDataPlane;
let up: TestUpstream;
let releaseStream: (() => void) | undefined;

beforeAll(async () => {
  t = await startTestDataPlane({
    plugins: [
      fake('a', 100),
      fake('b', 200),
      fake('g', 50),
      fake('added', 10),
      replier,
      fakeAuth,
      tagger,
      headerFilterer,
      thrower,
      logger1,
      logger2,
      streamer,
    ],
  });
  up = await startUpstream(echoHandler);
  const upstream = { nodes: { [up.addr]: 1 } };
  await t.put('global_rules/1', { id: '1', plugins: { g: {} } });
  await t.put('routes/order', { uri: '/order', plugins: { a: {}, b: {} }, upstream });
  await t.put('routes/meta', {
    uri: '/order/meta',
    plugins: { a: { _meta: { priority: 300 } }, b: { _meta: { disable: true } } },
    upstream,
  });
  await t.put('routes/filter', {
    uri: '/order/filter',
    plugins: { a: { _meta: { filter: [['arg_run', '==', 'yes']] } } },
    upstream,
  });
  await t.put('routes/reply', { uri: '/reply', plugins: { replier: { status: 403, body: { x: 1 } } }, upstream });
  await t.put('routes/err-str', {
    uri: '/err-str',
    plugins: { replier: { status: 429, body: { x: 1 }, _meta: { error_response: 'slow down' } } },
  });
  await t.put('routes/err-obj', {
    uri: '/err-obj',
    plugins: { replier: { status: 401, _meta: { error_response: { message: 'custom' } } } },
  });
  await t.put('routes/ok-meta', {
    uri: '/ok-meta',
    plugins: { replier: { status: 200, body: 'fine', _meta: { error_response: 'ignored' } } },
  });
  await t.put('services/s1', { plugins: { tagger: { tag: 'service' } }, upstream });
  await t.put('plugin_configs/pc1', { plugins: { tagger: { tag: 'plugin_config' }, hf: {} } });
  await t.put('routes/svc', { uri: '/svc', service_id: 's1' });
  await t.put('routes/svc-route', { uri: '/svc-route', service_id: 's1', plugins: { tagger: { tag: 'route' } } });
  await t.put('routes/pc', { uri: '/pc', service_id: 's1', plugin_config_id: 'pc1' });
  await t.put('routes/pc-route', { uri: '/pc-route', plugin_config_id: 'pc1', plugins: { tagger: { tag: 'route' } }, upstream });
  await t.put('consumers/jack', {
    username: 'jack',
    plugins: { 'fake-auth': { user: 'jack' }, tagger: { tag: 'consumer' }, added: {} },
  });
  await t.put('consumers/rose', { username: 'rose', plugins: { 'fake-auth': { user: 'rose' } } });
  await t.put('routes/auth', { uri: '/order/auth', plugins: { 'fake-auth': {}, tagger: { tag: 'route' } }, upstream });
  await t.put('routes/nohost', { uri: '/no-upstream', plugins: { hf: {} } });
  await t.put('routes/throw', { uri: '/throw', plugins: { thrower: {} }, upstream });
  await t.put('routes/log', { uri: '/log', plugins: { logger1: {}, logger2: {}, replier: { status: 200, body: 'abc' } } });
  await t.put('routes/stream', { uri: '/stream', plugins: { streamer: {} } });
});

afterAll(async () => {
  await t.close();
  await up.close();
});

beforeEach(() => {
  calls.length = 0;
});

describe('phase order', () => {
  it('runs global rules (rewrite, access) first, then route plugins by priority in each phase', async () => {
    const res = await fetch(`${t.url}/order`);
    expect(res.status).toBe(200);
    expect(calls).toEqual([
      'g:rewrite',
      'g:access',
      'b:rewrite',
      'a:rewrite',
      'b:access',
      'a:access',
      'g:beforeProxy',
      'b:beforeProxy',
      'a:beforeProxy',
    ]);
  });

  it('honours _meta.priority and _meta.disable', async () => {
    await fetch(`${t.url}/order/meta`);
    expect(calls.filter((c) => !c.startsWith('g:'))).toEqual(['a:rewrite', 'a:access', 'a:beforeProxy']);
  });

  it('runs a plugin only when its _meta.filter expression holds', async () => {
    await (await fetch(`${t.url}/order/filter?run=no`)).arrayBuffer();
    expect(calls.filter((c) => c.startsWith('a:'))).toEqual([]);
    await (await fetch(`${t.url}/order/filter?run=yes`)).arrayBuffer();
    expect(calls.filter((c) => c.startsWith('a:'))).toEqual(['a:rewrite', 'a:access', 'a:beforeProxy']);
  });
});

describe('replies', () => {
  it('ends the request with the first Reply and JSON-encodes object bodies with a newline', async () => {
    const res = await fetch(`${t.url}/reply`);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('{"x":1}\n');
    expect(res.headers.get('x-replied')).toBe('yes');
    expect(res.headers.get('server')).toBe('APISIX/3.16.0');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('replaces the body with a string _meta.error_response for status >= 400', async () => {
    const res = await fetch(`${t.url}/err-str`);
    expect(res.status).toBe(429);
    expect(await res.text()).toBe('slow down');
  });

  it('replaces an empty body with an object _meta.error_response', async () => {
    const res = await fetch(`${t.url}/err-obj`);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{"message":"custom"}\n');
  });

  it('keeps the body of a success reply even with _meta.error_response', async () => {
    const res = await fetch(`${t.url}/ok-meta`);
    expect(await res.text()).toBe('fine');
  });

  it('answers 404 Route Not Found as APISIX', async () => {
    const res = await fetch(`${t.url}/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"error_msg":"404 Route Not Found"}\n');
    expect(res.headers.get('server')).toBe('APISIX/3.16.0');
  });

  it('answers 503 with the nginx page when a route has no upstream, after header filters', async () => {
    const res = await fetch(`${t.url}/no-upstream`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-filtered')).toBe('503');
    expect(await res.text()).toBe(
      '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n' +
        '<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n',
    );
  });

  it('answers 500 when a hook throws', async () => {
    const res = await fetch(`${t.url}/throw`);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('<title>500 Internal Server Error</title>');
  });

  it('streams an AsyncIterable body chunk by chunk', async () => {
    const first = await new Promise<{ status: number; chunk: string; rest: Promise<string> }>((resolve, reject) => {
      const req = request(`${t.url}/stream`, (res) => {
        let rest = '';
        let resolveRest!: (s: string) => void;
        const restP = new Promise<string>((r) => (resolveRest = r));
        let firstSeen = false;
        res.on('data', (c: Buffer) => {
          if (!firstSeen) {
            firstSeen = true;
            resolve({ status: res.statusCode!, chunk: c.toString(), rest: restP });
          } else rest += c.toString();
        });
        res.on('end', () => resolveRest(rest));
      });
      req.on('error', reject);
      req.end();
    });
    expect(first.status).toBe(200);
    // The second chunk is only produced after we saw the first one.
    expect(first.chunk).toBe('data: first\n\n');
    while (!releaseStream) await new Promise((r) => setTimeout(r, 5));
    releaseStream();
    expect(await first.rest).toBe('data: second\n\n');
  });
});

describe('plugin merge', () => {
  it('uses service plugins when the route has none', async () => {
    const res = await fetch(`${t.url}/svc`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tag')).toBe('service');
  });

  it('lets route plugins override same-named service plugins', async () => {
    const res = await fetch(`${t.url}/svc-route`);
    expect(res.headers.get('x-tag')).toBe('route');
  });

  it('takes plugin_config plugins over service ones but route plugins over plugin_config', async () => {
    const pc = await fetch(`${t.url}/pc`);
    expect(pc.headers.get('x-tag')).toBe('plugin_config');
    expect(pc.headers.get('x-filtered')).toBe('200');
    const route = await fetch(`${t.url}/pc-route`);
    expect(route.headers.get('x-tag')).toBe('route');
  });

  it('merges consumer plugins over route plugins after rewrite and runs rewrite of added ones', async () => {
    const res = await fetch(`${t.url}/order/auth`, { headers: { 'x-user': 'jack' } });
    expect(res.status).toBe(200);
    // rewrite ran with the route's conf (before the merge), access with the consumer's.
    expect(res.headers.get('x-rewrite-tag')).toBe('route');
    expect(res.headers.get('x-tag')).toBe('consumer');
    expect(calls.filter((c) => c.startsWith('added'))).toEqual(['added:rewrite', 'added:access', 'added:beforeProxy']);
    const body = (await res.json()) as { headers: Record<string, string> };
    expect(body.headers['x-consumer-username']).toBe('jack');
  });

  it('keeps route plugins for a consumer without plugins of its own', async () => {
    const res = await fetch(`${t.url}/order/auth`, { headers: { 'x-user': 'rose' } });
    expect(res.headers.get('x-tag')).toBe('route');
    expect(calls.filter((c) => c.startsWith('added'))).toEqual([]);
  });
});

describe('log phase', () => {
  it('runs log hooks after the response; a throwing hook does not stop the next', async () => {
    logged.length = 0;
    const res = await fetch(`${t.url}/log`);
    expect(await res.text()).toBe('abc');
    for (let i = 0; i < 100 && logged.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(logged).toEqual(['first:200', 'second:200:3']);
  });
});
