import { describe, expect, it } from 'vitest';
import { NOW, makeAdmin } from './test-harness.case.js';

const LC = { 'limit-count': { count: 2, time_window: 60 } };

describe('consumer_groups', () => {
  it('creates with PUT /{id} (201), replaces (200) keeping create_time, and reads it back', async () => {
    const { req } = makeAdmin();
    const put = await req('PUT', '/apisix/admin/consumer_groups/company_a', { plugins: LC, desc: 'a' });
    expect(put.status).toBe(201);
    expect(put.headers.get('X-API-VERSION')).toBe('v3');
    expect(put.text).toBe(
      `{"key":"/apisix/consumer_groups/company_a","value":{"plugins":{"limit-count":{"count":2,"time_window":60}},"desc":"a","id":"company_a","create_time":${NOW},"update_time":${NOW}}}\n`,
    );
    const again = await req('PUT', '/apisix/admin/consumer_groups/company_a', { plugins: LC });
    expect(again.status).toBe(200);
    const get = await req('GET', '/apisix/admin/consumer_groups/company_a');
    expect(get.status).toBe(200);
    const body = get.json() as { key: string; value: Record<string, unknown> };
    expect(body.key).toBe('/apisix/consumer_groups/company_a');
    expect(body.value).toEqual({ plugins: LC, id: 'company_a', create_time: NOW, update_time: NOW });
  });

  it('takes the id from the body when the URL has none, keeping its JSON type', async () => {
    const { req } = makeAdmin();
    const put = await req('PUT', '/apisix/admin/consumer_groups', { id: 7, plugins: {} });
    expect(put.status).toBe(201);
    expect(put.text).toBe(
      `{"key":"/apisix/consumer_groups/7","value":{"id":7,"plugins":{},"create_time":${NOW},"update_time":${NOW}}}\n`,
    );
    const list = await req('GET', '/apisix/admin/consumer_groups');
    expect((list.json() as { total: number }).total).toBe(1);
  });

  it('lists an empty directory as {"list":[],"total":0}', async () => {
    const { req } = makeAdmin();
    const r = await req('GET', '/apisix/admin/consumer_groups');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"list":[],"total":0}\n');
  });

  it('rejects POST with 405', async () => {
    const { req } = makeAdmin();
    const r = await req('POST', '/apisix/admin/consumer_groups', { plugins: LC });
    expect(r.status).toBe(405);
    expect(r.text).toBe('{"error_msg":"not supported `POST` method for consumer group"}\n');
  });

  it('validates schema, id and plugins with exact messages', async () => {
    const { req } = makeAdmin();
    const put = (path: string, b: unknown) => req('PUT', path, b).then((r) => `${r.status} ${r.text}`);
    expect(await put('/apisix/admin/consumer_groups/g1', { desc: 'x' })).toBe(
      '400 {"error_msg":"invalid configuration: property \\"plugins\\" is required"}\n',
    );
    expect(await put('/apisix/admin/consumer_groups', { plugins: LC })).toBe('400 {"error_msg":"missing consumer group id"}\n');
    expect(await put('/apisix/admin/consumer_groups/g1', { id: 'g2', plugins: LC })).toBe(
      '400 {"error_msg":"wrong consumer group id"}\n',
    );
    expect(await put('/apisix/admin/consumer_groups/g1', { plugins: { nope: {} } })).toBe(
      '400 {"error_msg":"unknown plugin [nope]"}\n',
    );
    expect(await put('/apisix/admin/consumer_groups/g1', { plugins: { 'limit-count': { count: 1 } } })).toBe(
      '400 {"error_msg":"failed to check the configuration of plugin limit-count err: property \\"time_window\\" is required"}\n',
    );
    expect(await put('/apisix/admin/consumer_groups/g1', { plugins: LC, foo: 1 })).toBe(
      '400 {"error_msg":"invalid configuration: additional properties forbidden, found foo"}\n',
    );
  });

  it('patches the whole object and a sub-path', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/consumer_groups/g1', { plugins: LC });
    const whole = await req('PATCH', '/apisix/admin/consumer_groups/g1', { desc: 'patched' });
    expect(whole.status).toBe(200);
    expect(whole.text).toBe(
      `{"key":"/apisix/consumer_groups/g1","value":{"plugins":{"limit-count":{"count":2,"time_window":60}},"id":"g1","create_time":${NOW},"update_time":${NOW},"desc":"patched"}}\n`,
    );
    const sub = await req('PATCH', '/apisix/admin/consumer_groups/g1/plugins', { prometheus: {} });
    expect(sub.status).toBe(200);
    expect((sub.json() as { value: { plugins: unknown } }).value.plugins).toEqual({ prometheus: {} });
    const missing = await req('PATCH', '/apisix/admin/consumer_groups/nope', { desc: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('{"message":"Key not found"}\n');
  });

  it('refuses to delete a group a consumer still uses unless force=true', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/consumer_groups/company_a', { plugins: LC });
    await req('PUT', '/apisix/admin/consumers', { username: 'foobar', group_id: 'company_a' });
    const del = await req('DELETE', '/apisix/admin/consumer_groups/company_a');
    expect(del.status).toBe(400);
    expect(del.text).toBe('{"error_msg":"can not delete this consumer group, consumer [foobar] is still using it now"}\n');
    const forced = await req('DELETE', '/apisix/admin/consumer_groups/company_a?force=true');
    expect(forced.status).toBe(200);
    expect(forced.text).toBe('{"deleted":"1","key":"/apisix/consumer_groups/company_a"}\n');
  });

  it('deletes an unused group and 404s on a missing one', async () => {
    const { req } = makeAdmin();
    await req('PUT', '/apisix/admin/consumer_groups/g1', { plugins: {} });
    await req('PUT', '/apisix/admin/consumer_groups/g2', { plugins: {} });
    await req('PUT', '/apisix/admin/consumers', { username: 'other', group_id: 'g2' });
    const del = await req('DELETE', '/apisix/admin/consumer_groups/g1');
    expect(del.text).toBe('{"deleted":"1","key":"/apisix/consumer_groups/g1"}\n');
    const gone = await req('DELETE', '/apisix/admin/consumer_groups/g1');
    expect(gone.status).toBe(404);
    expect(gone.text).toBe('{"message":"Key not found"}\n');
  });

  it('rejects a consumer whose group_id names a missing group', async () => {
    const { req } = makeAdmin();
    const r = await req('PUT', '/apisix/admin/consumers', { username: 'jack', group_id: 'x' });
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"failed to fetch consumer group info by consumer group id [x], response code: 404"}\n');
    await req('PUT', '/apisix/admin/consumer_groups/x', { plugins: {} });
    expect((await req('PUT', '/apisix/admin/consumers', { username: 'jack', group_id: 'x' })).status).toBe(201);
  });
});
