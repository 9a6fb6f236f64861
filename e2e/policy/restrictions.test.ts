/**
 * ip-restriction, ua-restriction and real-ip through the built admin and data plane with real
 * etcd (APISIX's t/plugin/ip-restriction.t, ua-restriction.t and real-ip.t behaviours). Every
 * request comes from 127.0.0.1; other client addresses are given with real-ip, as APISIX's
 * tests do with set_real_ip_from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, startEchoUpstream, type Upstream } from '../helpers.js';
import { pluginError, put, refusal, send, until, waitForLine } from './support.js';

const IP_DENIED = '{"message":"Your IP address is not allowed"}\n';
const UA_DENIED = '{"message":"Not allowed"}\n';

let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;
let url: string;

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({
    etcdEndpoint: etcd.endpoint,
    extraConf: {
      nginx_config: {
        http: { access_log_format: 'policy $remote_addr $remote_port $realip_remote_addr "$request_uri" $status' },
      },
    },
  });
  echo = await startEchoUpstream('echo');
  url = apps.dataPlanes[0]!.url;
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

function route(id: string, uri: string, plugins: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return put(apps, `routes/${id}`, { uri, plugins, upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } }, ...extra });
}

/** What the echo upstream received. */
function seen(body: string): { headers: Record<string, string> } {
  return JSON.parse(body) as { headers: Record<string, string> };
}

describe('the Admin API checks these plugins as APISIX does', () => {
  it('refuses invalid confs with APISIX messages and 400', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ 'ip-restriction': {} }, 'ip-restriction', 'value should match only one schema, but matches none'],
      [
        { 'ip-restriction': { whitelist: ['172.17.40.0/24'], blacklist: ['10.255.0.0/16'] } },
        'ip-restriction',
        'value should match only one schema, but matches both schemas 1 and 2',
      ],
      [{ 'ip-restriction': { whitelist: ['::1/129'] } }, 'ip-restriction', 'invalid ip address: ::1/129'],
      [
        { 'ip-restriction': { whitelist: ['10.255.256.0/24'] } },
        'ip-restriction',
        'property "whitelist" validation failed: failed to validate item 1: object matches none of the required',
      ],
      [
        { 'ip-restriction': { whitelist: ['127.0.0.0/24'], response_code: 409 } },
        'ip-restriction',
        'property "response_code" validation failed: expected 409 to be at most 404',
      ],
      [{ 'ua-restriction': {} }, 'ua-restriction', 'value should match only one schema, but matches none'],
      [{ 'ua-restriction': { denylist: ['.+('] } }, 'ua-restriction', 'pcre_compile() failed: missing ) in ".+("'],
      [{ 'real-ip': {} }, 'real-ip', 'property "source" is required'],
      [{ 'real-ip': { source: 'http_xff', trusted_addresses: ['::1/129'] } }, 'real-ip', 'invalid ip address: ::1/129'],
    ];
    for (const [plugins, name, err] of cases) {
      expect(await refusal(apps, plugins)).toEqual({ status: 400, text: pluginError(name, err) });
    }
  });
});

describe('ip-restriction', () => {
  it('whitelist: the local client passes, blacklist: it gets 403 {"message":"Your IP address is not allowed"}', async () => {
    await route('ip-white', '/ip-white', { 'ip-restriction': { whitelist: ['127.0.0.0/24', '113.74.26.106'] } });
    await route('ip-black', '/ip-black', { 'ip-restriction': { blacklist: ['127.0.0.0/24', '113.74.26.106'] } });
    await until(`${url}/ip-white`, 200);
    const r = await until(`${url}/ip-black`, 403);
    expect(r.body).toBe(IP_DENIED);
  });

  it('answers the configured message and response_code', async () => {
    await route('ip-msg', '/ip-msg', {
      'ip-restriction': { blacklist: ['127.0.0.1'], message: 'Do you want to do something bad?', response_code: 404 },
    });
    const r = await until(`${url}/ip-msg`, 404);
    expect(r.body).toBe('{"message":"Do you want to do something bad?"}\n');
  });

  it('is not run with _meta.disable', async () => {
    await route('ip-off', '/ip-off', { 'ip-restriction': { blacklist: ['127.0.0.0/24'], _meta: { disable: true } } });
    await until(`${url}/ip-off`, 200);
  });
});

describe('real-ip in front of ip-restriction', () => {
  beforeAll(async () => {
    await route('xff', '/xff', {
      'real-ip': { source: 'http_x_forwarded_for' },
      'ip-restriction': { whitelist: ['113.74.26.106', '::2'] },
    });
    await until(`${url}/xff`, 200, { 'x-forwarded-for': '113.74.26.106' });
  });

  it('restricts on the address X-Forwarded-For names (last hop, several lines: the last one)', async () => {
    expect((await send(`${url}/xff`, { 'x-forwarded-for': '113.74.26.106' })).status).toBe(200);
    const denied = await send(`${url}/xff`, { 'x-forwarded-for': '114.114.114.114' });
    expect(denied.status).toBe(403);
    expect(denied.body).toBe(IP_DENIED);
    expect((await send(`${url}/xff`, { 'x-forwarded-for': '::1, ::2' })).status).toBe(200);
    expect((await send(`${url}/xff`, { 'x-forwarded-for': ['::1', '::2'] })).status).toBe(200);
    expect((await send(`${url}/xff`, { 'x-forwarded-for': '::2, ::1' })).status).toBe(403);
  });

  it('keeps the connection address when the source is missing or not an address', async () => {
    expect((await send(`${url}/xff`)).status).toBe(403);
    expect((await send(`${url}/xff`, { 'x-forwarded-for': 'bad-address' })).status).toBe(403);
  });

  it('sends the real address upstream as X-Real-IP and appends it to X-Forwarded-For', async () => {
    await route('xff-echo', '/xff-echo', { 'real-ip': { source: 'http_x_forwarded_for' } });
    const r = await until(`${url}/xff-echo`, 200, { 'x-forwarded-for': '10.0.0.1, 113.74.26.106' });
    expect(seen(r.body).headers['x-real-ip']).toBe('113.74.26.106');
    expect(seen(r.body).headers['x-forwarded-for']).toBe('10.0.0.1, 113.74.26.106, 113.74.26.106');
  });

  it('takes ip:port from another header and logs $remote_addr/$remote_port as set, $realip_remote_addr as the peer', async () => {
    await route('xff-port', '/xff-port', { 'real-ip': { source: 'http_xff' }, 'ip-restriction': { whitelist: ['1.1.1.1'] } });
    await until(`${url}/xff-port?n=1`, 200, { xff: '1.1.1.1:7090' });
    const line = await waitForLine(apps.dataPlanes[0]!.accessLog, '"/xff-port?n=1" 200');
    expect(line).toBe('policy 1.1.1.1 7090 127.0.0.1 "/xff-port?n=1" 200');
    expect((await send(`${url}/xff-port`, { xff: '[::2]:80' })).status).toBe(403);
  });

  it('changes nothing for a peer outside trusted_addresses; a trusted peer is replaced', async () => {
    await route('untrusted', '/untrusted', {
      'real-ip': { source: 'http_x_forwarded_for', trusted_addresses: ['192.128.0.0/16'] },
      'ip-restriction': { whitelist: ['1.1.1.1'] },
    });
    await route('trusted', '/trusted', {
      'real-ip': { source: 'http_x_forwarded_for', trusted_addresses: ['127.0.0.0/24'] },
      'ip-restriction': { whitelist: ['1.1.1.1'] },
    });
    await until(`${url}/untrusted`, 403, { 'x-forwarded-for': '1.1.1.1' });
    await until(`${url}/trusted`, 200, { 'x-forwarded-for': '1.1.1.1' });
  });

  it('recursive: the right-most untrusted hop is the client', async () => {
    await route('recursive', '/recursive', {
      'real-ip': { source: 'http_x_forwarded_for', trusted_addresses: ['192.128.0.0/16', '127.0.0.0/24'], recursive: true },
      'ip-restriction': { whitelist: ['1.1.1.1'] },
    });
    await until(`${url}/recursive`, 200, { 'x-forwarded-for': '1.1.1.1, 192.128.1.1, 127.0.0.1' });
    expect((await send(`${url}/recursive`, { 'x-forwarded-for': '1.1.1.1, 2.2.2.2, 127.0.0.1' })).status).toBe(403);
    // Several X-Forwarded-For lines: only the last line is walked (its left-most hop when all are trusted).
    expect((await send(`${url}/recursive`, { 'x-forwarded-for': ['1.1.1.1', '192.128.1.1, 127.0.0.1'] })).status).toBe(403);
    expect((await send(`${url}/recursive`, { 'x-forwarded-for': ['2.2.2.2', '1.1.1.1, 127.0.0.1'] })).status).toBe(200);
  });

  it('does not change which route matched: remote_addrs is compared with the connection address', async () => {
    await route('by-peer', '/by-peer', { 'real-ip': { source: 'http_x_forwarded_for' } }, { remote_addrs: ['127.0.0.1'] });
    const r = await until(`${url}/by-peer`, 200, { 'x-forwarded-for': '8.8.8.8' });
    expect(seen(r.body).headers['x-real-ip']).toBe('8.8.8.8');
  });

  it('a global rule real-ip feeds the route plugins', async () => {
    await put(apps, 'global_rules/real-ip', { plugins: { 'real-ip': { source: 'http_x_client' } } });
    await route('global-ip', '/global-ip', { 'ip-restriction': { whitelist: ['5.6.7.8'] } });
    await until(`${url}/global-ip`, 200, { 'x-client': '5.6.7.8' });
    expect((await send(`${url}/global-ip`, { 'x-client': '5.6.7.9' })).status).toBe(403);
    expect((await adminRequest(apps, 'DELETE', '/apisix/admin/global_rules/real-ip')).status).toBe(200);
  });
});

describe('ua-restriction', () => {
  it('denylist: matching agents (plain or regex) get 403 {"message":"Not allowed"}', async () => {
    await route('ua-deny', '/ua-deny', { 'ua-restriction': { denylist: ['my-bot1', '(Baiduspider)/(\\d+)\\.(\\d+)'] } });
    const r = await until(`${url}/ua-deny`, 403, { 'user-agent': 'my-bot1' });
    expect(r.body).toBe(UA_DENIED);
    expect((await send(`${url}/ua-deny`, { 'user-agent': 'Baiduspider/3.0' })).status).toBe(403);
    expect((await send(`${url}/ua-deny`, { 'user-agent': 'foo/bar' })).status).toBe(200);
  });

  it('checks every User-Agent line: one denied line refuses, one allowed line admits', async () => {
    for (const lines of [
      ['my-bot1', 'my-bot2'],
      ['my-bot2', 'my-bot1'],
    ]) {
      const r = await send(`${url}/ua-deny`, { 'user-agent': lines });
      expect([r.status, r.body]).toEqual([403, UA_DENIED]);
    }
    await route('ua-allow-lines', '/ua-allow-lines', { 'ua-restriction': { allowlist: ['my-bot1'] } });
    await until(`${url}/ua-allow-lines`, 200, { 'user-agent': ['foo/bar', 'my-bot1'] });
    expect((await send(`${url}/ua-allow-lines`, { 'user-agent': ['my-bot1', 'foo/bar'] })).status).toBe(200);
    expect((await send(`${url}/ua-allow-lines`, { 'user-agent': ['foo/bar', 'bar/foo'] })).status).toBe(403);
  });

  it('allowlist: only matching agents pass, with the configured message', async () => {
    await route('ua-allow', '/ua-allow', {
      'ua-restriction': { allowlist: ['my-bot1', '(Baiduspider)/(\\d+)\\.(\\d+)'], message: 'Do you want to do something bad?' },
    });
    await until(`${url}/ua-allow`, 200, { 'user-agent': 'my-bot1' });
    expect((await send(`${url}/ua-allow`, { 'user-agent': 'Baiduspider/1.0' })).status).toBe(200);
    const r = await send(`${url}/ua-allow`, { 'user-agent': 'foo/bar' });
    expect(r.status).toBe(403);
    expect(r.body).toBe('{"message":"Do you want to do something bad?"}\n');
  });

  it('refuses a request without User-Agent unless bypass_missing', async () => {
    await route('ua-missing', '/ua-missing', { 'ua-restriction': { allowlist: ['my-bot1'] } });
    await route('ua-bypass', '/ua-bypass', { 'ua-restriction': { denylist: ['my-bot1'], bypass_missing: true } });
    const r = await until(`${url}/ua-missing`, 403);
    expect(r.body).toBe(UA_DENIED);
    await until(`${url}/ua-bypass`, 200);
  });
});
