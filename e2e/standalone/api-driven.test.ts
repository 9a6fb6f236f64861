/**
 * API-driven standalone mode (deployment.role: traditional, role_traditional.config_provider:
 * yaml): no etcd; the built admin takes whole configurations on `/apisix/admin/configs`
 * (APISIX 3.15 standalone API: digest, conf versions, JSON and YAML) and the built data plane
 * serves what was accepted.
 */
import { startPortico, type PorticoApps } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpLogsOnFailure, eventually, startEchoUpstream, type Upstream } from '../helpers.js';

let apps: PorticoApps;
let echo: Upstream;

beforeAll(async () => {
  echo = await startEchoUpstream('api-standalone');
  apps = await startPortico({
    etcdEndpoint: 'http://127.0.0.1:1',
    extraConf: { deployment: { role_traditional: { config_provider: 'yaml' } } },
  });
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
});
dumpLogsOnFailure(() => apps);

const ENDPOINT = '/apisix/admin/configs';
const route = (id: string, uri: unknown) => ({
  id,
  uri,
  upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${echo.port}`]: 1 } },
});

function call(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) {
  return fetch(`${apps.adminUrl}${path}`, {
    method,
    headers: { 'X-API-KEY': apps.adminKey, ...opts.headers },
    ...(opts.body === undefined ? {} : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
  });
}

describe('standalone Admin API (/apisix/admin/configs)', () => {
  it('dumps an empty configuration with every conf version at 0 and no metadata headers', async () => {
    const res = await call('GET', ENDPOINT);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, number>;
    expect(body).toMatchObject({
      routes_conf_version: 0,
      ssls_conf_version: 0,
      services_conf_version: 0,
      upstreams_conf_version: 0,
      consumers_conf_version: 0,
    });
    expect(res.headers.get('x-digest')).toBeNull();
    expect(res.headers.get('x-last-modified')).toBeNull();
  });

  it('requires the digest header, then accepts a configuration the data plane serves', async () => {
    const noDigest = await call('PUT', ENDPOINT, { body: { routes: [route('r1', '/r1')] } });
    expect(noDigest.status).toBe(400);
    expect(await noDigest.json()).toEqual({ error_msg: 'missing digest header' });
    const put = await call('PUT', ENDPOINT, { body: { routes: [route('r1', '/r1')] }, headers: { 'X-Digest': 'd1' } });
    expect(put.status).toBe(202);
    expect(put.headers.get('x-digest')).toBe('d1');
    expect(Number(put.headers.get('x-last-modified'))).toBeGreaterThan(0);
    await eventually(async () => expect((await fetch(`${apps.dataPlanes[0]!.url}/r1`)).status).toBe(200), 8_000);
    const same = await call('PUT', ENDPOINT, { body: { routes: [route('r2', '/r2')] }, headers: { 'X-Digest': 'd1' } });
    expect(same.status).toBe(204);
    const head = await call('HEAD', ENDPOINT);
    expect(head.status).toBe(200);
    expect(head.headers.get('x-digest')).toBe('d1');
    const dump = (await (await call('GET', ENDPOINT)).json()) as Record<string, unknown>;
    expect(dump.routes_conf_version).toBe(1);
    expect(dump.routes).toEqual([route('r1', '/r1')]);
  });

  it('replaces the whole configuration, YAML included, and keeps a resource whose version did not move', async () => {
    const yaml = `routes:\n  - id: r2\n    uri: /r2\n    upstream:\n      type: roundrobin\n      nodes:\n        "127.0.0.1:${echo.port}": 1\n`;
    const put = await call('PUT', ENDPOINT, { body: yaml, headers: { 'X-Digest': 'd2', 'Content-Type': 'application/yaml' } });
    expect(put.status).toBe(202);
    const dp = apps.dataPlanes[0]!;
    await eventually(async () => {
      expect((await fetch(`${dp.url}/r2`)).status).toBe(200);
      expect((await fetch(`${dp.url}/r1`)).status).toBe(404);
    }, 8_000);
    const keep = await call('PUT', ENDPOINT, {
      body: { routes_conf_version: 2, routes: [route('r3', '/r3')] },
      headers: { 'X-Digest': 'd3' },
    });
    expect(keep.status).toBe(202);
    const dump = (await (await call('GET', ENDPOINT, { headers: { Accept: 'application/yaml' } })).text()) as string;
    expect(dump).toContain('id: r2');
    expect(dump).not.toContain('r3');
  });

  it('refuses a lower conf version, a non-number version and a schema violation with APISIX messages', async () => {
    const high = await call('PUT', ENDPOINT, {
      body: { routes_conf_version: 100, routes: [route('r2', '/r2')] },
      headers: { 'X-Digest': 'd4' },
    });
    expect(high.status).toBe(202);
    const low = await call('PUT', ENDPOINT, {
      body: { routes_conf_version: 10, routes: [route('r2', '/r2')] },
      headers: { 'X-Digest': 'd5' },
    });
    expect(low.status).toBe(400);
    expect(await low.json()).toEqual({ error_msg: 'routes_conf_version must be greater than or equal to (100)' });
    const nan = await call('PUT', ENDPOINT, { body: { routes_conf_version: 'adc' }, headers: { 'X-Digest': 'd6' } });
    expect(await nan.json()).toEqual({ error_msg: 'routes_conf_version must be a number' });
    const bad = await call('PUT', ENDPOINT, { body: { routes: [route('r9', 123)] }, headers: { 'X-Digest': 'd7' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error_msg: 'invalid configuration: property "uri" validation failed: wrong type: expected string, got number',
    });
    const empty = await call('PUT', ENDPOINT, { headers: { 'X-Digest': 'd8' } });
    expect(await empty.json()).toEqual({ error_msg: 'invalid request body: empty request body' });
  });

  it('validates a whole configuration, collecting every error', async () => {
    const res = await call('POST', `${ENDPOINT}/validate`, {
      body: { routes: [route('a', 1), route('a', '/ok')], services: [{ id: 's', upstream_id: 'missing' }] },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error_msg: 'Configuration validation failed',
      errors: [
        {
          resource_type: 'routes',
          resource_id: 'a',
          index: 0,
          error: 'invalid configuration: property "uri" validation failed: wrong type: expected string, got number',
        },
        { resource_type: 'routes', resource_id: 'a', index: 1, error: 'found duplicate id a in routes' },
      ],
    });
    const ok = await call('POST', `${ENDPOINT}/validate`, { body: { routes: [route('a', '/ok')] } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
  });

  it('serves no per-resource endpoints in standalone mode', async () => {
    expect((await call('GET', '/apisix/admin/routes')).status).toBe(404);
  });
});
