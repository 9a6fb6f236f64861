// request-id through the built admin + data plane and a real etcd: the id reaches the upstream
// and the client, a client id is kept, an upstream's own header wins in the response, every
// algorithm's format, `$apisix_request_id` in the access log, and APISIX's schema errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { waitForLine } from '../ai/support.js';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, startUpstream, type Upstream } from '../helpers.js';

let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;
let ownId: Upstream;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function route(id: string, plugin: Record<string, unknown>, node = echo.node): Promise<void> {
  const res = await adminRequest(apps, 'PUT', `/apisix/admin/routes/${id}`, {
    uri: `/${id}`,
    plugins: { 'request-id': plugin },
    upstream: { type: 'roundrobin', nodes: { [node]: 1 } },
  });
  expect([200, 201], res.text).toContain(res.status);
  await eventually(async () => {
    const r = await fetch(`${apps.dataPlanes[0]!.url}/${id}`);
    await r.arrayBuffer();
    expect(r.status).toBe(200);
  });
}

/** GET a route; the id the upstream received and the response header. */
async function get(
  id: string,
  headers: Record<string, string> = {},
): Promise<{ upstream: string | undefined; response: string | null; header: Headers }> {
  const r = await fetch(`${apps.dataPlanes[0]!.url}/${id}`, { headers });
  const body = (await r.json()) as { headers: Record<string, string> };
  return {
    upstream: body.headers['x-request-id'] ?? body.headers['x-trace'],
    response: r.headers.get('x-request-id'),
    header: r.headers,
  };
}

beforeAll(async () => {
  etcd = await startEtcd();
  echo = await startEchoUpstream();
  ownId = await startUpstream((_req, res) => {
    res.setHeader('x-request-id', 'from-upstream');
    res.setHeader('content-type', 'application/json');
    res.end('{"headers":{}}');
  });
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    extraConf: { nginx_config: { http: { access_log_format: 'rid=$apisix_request_id "$request" $status' } } },
  });
  await route('uuid', {});
  await route('quiet', { include_in_response: false });
  await route('nanoid', { algorithm: 'nanoid' });
  await route('range', { algorithm: 'range_id', range_id: { length: 8, char_set: 'abcdef' } });
  await route('ksuid', { algorithm: 'ksuid' });
  await route('uuidv7', { algorithm: 'uuidv7' });
  await route('custom', { header_name: 'X-Trace' });
  await route('own', {}, ownId.node);
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await ownId?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('request-id', () => {
  it('generates a uuid, forwards it upstream, returns it and logs it as $apisix_request_id', async () => {
    const r = await get('uuid');
    expect(r.response).toMatch(UUID_V4);
    expect(r.upstream).toBe(r.response);
    await waitForLine(apps.dataPlanes[0]!.accessLog, `rid=${r.response} "GET /uuid HTTP/1.1" 200`);
  });

  it('keeps the id the client sent, upstream and in the response', async () => {
    const r = await get('uuid', { 'X-Request-Id': 'client-id-1' });
    expect([r.upstream, r.response]).toEqual(['client-id-1', 'client-id-1']);
    await waitForLine(apps.dataPlanes[0]!.accessLog, 'rid=client-id-1 "GET /uuid HTTP/1.1" 200');
  });

  it('include_in_response false: the upstream gets an id, the client none', async () => {
    const r = await get('quiet');
    expect(r.upstream).toMatch(UUID_V4);
    expect(r.response).toBeNull();
  });

  it('leaves a request id header the upstream sent in its response', async () => {
    const r = await get('own');
    expect(r.response).toBe('from-upstream');
  });

  it('uses header_name for both directions', async () => {
    const r = await get('custom');
    expect(r.header.get('x-trace')).toMatch(UUID_V4);
    expect(r.upstream).toBe(r.header.get('x-trace'));
  });

  it('formats ids per algorithm: nanoid, range_id, ksuid, uuidv7', async () => {
    expect((await get('nanoid')).response).toMatch(/^[-_0-9a-zA-Z]{21}$/);
    expect((await get('range')).response).toMatch(/^[a-f]{8}$/);
    expect((await get('ksuid')).response).toMatch(/^[0-9A-Za-z]{27}$/);
    expect((await get('uuidv7')).response).toMatch(UUID_V7);
  });

  it("rejects confs with APISIX's schema errors", async () => {
    const cases: [unknown, string][] = [
      [{ algorithm: 'snowflake' }, 'property "algorithm" validation failed: matches none of the enum values'],
      [
        { algorithm: 'range_id', range_id: { length: 5 } },
        'property "range_id" validation failed: property "length" validation failed: expected 5 to be at least 6',
      ],
      [
        { include_in_response: 'yes' },
        'property "include_in_response" validation failed: wrong type: expected boolean, got string',
      ],
    ];
    for (const [conf, err] of cases) {
      const res = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', {
        uri: '/bad',
        plugins: { 'request-id': conf },
        upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
      });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({ error_msg: `failed to check the configuration of plugin request-id err: ${err}` });
    }
  });
});
