// consumer-restriction end to end (t/plugin/consumer-restriction*.t): behind basic-auth on the
// route, by consumer name, consumer group, route and service id, and as a consumer's own plugin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, dumpLogsOnFailure } from '../helpers.js';
import { call, put, startAuthStack, until, type AuthStack } from './support.js';

const basic = (u: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${u}-pw`).toString('base64')}` });
const FORBIDDEN = '{"message":"The consumer_name is forbidden."}\n';

let s: AuthStack;
let upstream: unknown;
beforeAll(async () => {
  s = await startAuthStack();
  upstream = { type: 'roundrobin', nodes: { [s.echo.node]: 1 } };
});
afterAll(async () => {
  await s?.stop();
});
dumpLogsOnFailure(() => s?.apps);

async function route(id: string, restriction: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
  await put(s, `/apisix/admin/routes/${id}`, {
    uri: `/${id}`,
    plugins: { 'basic-auth': {}, 'consumer-restriction': restriction },
    upstream,
    ...extra,
  });
}

describe('consumer-restriction', () => {
  it('sets up consumers in groups and restricted routes', async () => {
    await put(s, '/apisix/admin/consumer_groups/group1', { plugins: {} });
    await put(s, '/apisix/admin/consumer_groups/group2', { plugins: {} });
    await put(s, '/apisix/admin/consumers', {
      username: 'jack1',
      group_id: 'group1',
      plugins: { 'basic-auth': { username: 'jack1', password: 'jack1-pw' } },
    });
    await put(s, '/apisix/admin/consumers', {
      username: 'jack2',
      group_id: 'group2',
      plugins: { 'basic-auth': { username: 'jack2', password: 'jack2-pw' } },
    });
    await put(s, '/apisix/admin/consumers', {
      username: 'jack3',
      plugins: { 'basic-auth': { username: 'jack3', password: 'jack3-pw' } },
    });
    await put(s, '/apisix/admin/services/1', { upstream });
    await route('white', { whitelist: ['jack1'] });
    await route('black', { blacklist: ['jack1'], rejected_msg: 'request is forbidden' });
    await route('methods', { allowed_by_methods: [{ user: 'jack1', methods: ['POST'] }] });
    await route('groups', { type: 'consumer_group_id', whitelist: ['group1'] });
    await route('svc', { type: 'service_id', whitelist: ['1'], rejected_code: 401 }, { upstream: undefined, service_id: '1' });
    await route('nosvc', { type: 'service_id', whitelist: ['1'] });
    await put(s, '/apisix/admin/routes/anon', {
      uri: '/anon',
      plugins: { 'consumer-restriction': { whitelist: ['jack1'] } },
      upstream,
    });
    await until(s, '/white', 200, { headers: basic('jack1') });
  });

  it('whitelist: lets jack1 through, refuses jack2 with 403', async () => {
    const r = await call(s.url, '/white', { headers: basic('jack2') });
    expect([r.status, r.text]).toEqual([403, FORBIDDEN]);
    const unauth = await call(s.url, '/white');
    expect([unauth.status, unauth.text]).toEqual([401, '{"message":"Missing authorization in request"}\n']);
  });

  it('blacklist: refuses jack1 with rejected_msg, lets jack2 through', async () => {
    const r = await call(s.url, '/black', { headers: basic('jack1') });
    expect([r.status, r.text]).toEqual([403, '{"message":"request is forbidden"}\n']);
    expect((await call(s.url, '/black', { headers: basic('jack2') })).status).toBe(200);
  });

  it('allowed_by_methods: jack1 may POST but not GET; other consumers are not limited', async () => {
    const r = await call(s.url, '/methods', { headers: basic('jack1') });
    expect([r.status, r.text]).toEqual([403, FORBIDDEN]);
    expect((await call(s.url, '/methods', { method: 'POST', headers: basic('jack1') })).status).toBe(200);
    expect((await call(s.url, '/methods', { headers: basic('jack2') })).status).toBe(200);
  });

  it('consumer_group_id: group1 passes, group2 is forbidden, no group is rejected with 401', async () => {
    expect((await call(s.url, '/groups', { headers: basic('jack1') })).status).toBe(200);
    const g2 = await call(s.url, '/groups', { headers: basic('jack2') });
    expect([g2.status, g2.text]).toEqual([403, '{"message":"The consumer_group_id is forbidden."}\n']);
    const none = await call(s.url, '/groups', { headers: basic('jack3') });
    expect([none.status, none.text]).toEqual([
      401,
      '{"message":"The request is rejected, please check the consumer_group_id for this request"}\n',
    ]);
  });

  it('service_id: a route of service 1 passes; a route without a service is rejected', async () => {
    expect((await call(s.url, '/svc', { headers: basic('jack2') })).status).toBe(200);
    const r = await call(s.url, '/nosvc', { headers: basic('jack2') });
    expect([r.status, r.text]).toEqual([
      401,
      '{"message":"The request is rejected, please check the service_id for this request"}\n',
    ]);
  });

  it('without an auth plugin there is no consumer: 401', async () => {
    const r = await call(s.url, '/anon');
    expect([r.status, r.text]).toEqual([
      401,
      '{"message":"The request is rejected, please check the consumer_name for this request"}\n',
    ]);
  });

  it('runs as a consumer plugin: a route_id blacklist on the consumer applies after authentication', async () => {
    await put(s, '/apisix/admin/consumers', {
      username: 'jack3',
      plugins: {
        'basic-auth': { username: 'jack3', password: 'jack3-pw' },
        'consumer-restriction': { type: 'route_id', blacklist: ['open'], rejected_code: 401 },
      },
    });
    await put(s, '/apisix/admin/routes/open', { uri: '/open', plugins: { 'basic-auth': {} }, upstream });
    const r = await until(s, '/open', 401, { headers: basic('jack3') });
    expect(r.text).toBe('{"message":"The route_id is forbidden."}\n');
    expect((await call(s.url, '/open', { headers: basic('jack1') })).status).toBe(200);
  });

  it('refuses an invalid conf with APISIX message', async () => {
    const r = await adminRequest(s.apps, 'PUT', '/apisix/admin/routes/bad', {
      uri: '/bad',
      plugins: { 'consumer-restriction': { type: 'ip', whitelist: ['x'] } },
      upstream,
    });
    expect([r.status, r.text]).toEqual([
      400,
      '{"error_msg":"failed to check the configuration of plugin consumer-restriction err: property \\"type\\" validation failed: matches none of the enum values"}\n',
    ]);
  });
});
