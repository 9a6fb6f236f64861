import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, startUpstream, type Upstream } from '../helpers.js';

// http-logger with its log_format set once in plugin_metadata (http-logger.md "Plugin Metadata",
// apisix/utils/log-util.lua get_log_entry: the metadata format applies when the route has none).

let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;
let collector: Upstream;
const bodies: string[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  echo = await startEchoUpstream('echo');
  collector = await startUpstream((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(parts).toString('utf8'));
      res.end('ok');
    });
  });
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await collector?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('http-logger log_format from plugin_metadata', () => {
  it('logs exactly the metadata log_format fields (plus route_id) and no secrets', async () => {
    const meta = await adminRequest(apps, 'PUT', '/apisix/admin/plugin_metadata/http-logger', {
      log_format: {
        host: '$host',
        '@timestamp': '$time_iso8601',
        client_ip: '$remote_addr',
        auth: '$http_authorization',
        args: '$args',
      },
    });
    expect(meta.status).toBe(201);
    const route = await adminRequest(apps, 'PUT', '/apisix/admin/routes/1', {
      uri: '/logged',
      plugins: { 'http-logger': { uri: `http://${collector.node}/collect`, batch_max_size: 1 } },
      upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
    });
    expect(route.status).toBe(201);

    const url = `${apps.dataPlanes[0]!.url}/logged?api_key=sk-query-secret&x=1`;
    const headers = { authorization: 'Bearer sk-header-secret' };
    // Until the data plane has both the route and the metadata, entries may have the default shape.
    const entry = await eventually(async () => {
      bodies.length = 0;
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(200);
      await res.text();
      const got = await eventually(async () => {
        expect(bodies.length).toBeGreaterThan(0);
        return bodies[0]!;
      }, 3000);
      const parsed = JSON.parse(got) as Record<string, unknown>;
      expect(Object.keys(parsed).sort()).toEqual(['@timestamp', 'args', 'auth', 'client_ip', 'host', 'route_id']);
      return { raw: got, parsed };
    });
    // fetch sends Host: 127.0.0.1:<port>; $host drops the port.
    expect(entry.parsed['host']).toBe('127.0.0.1');
    expect(entry.parsed['client_ip']).toBe('127.0.0.1');
    expect(entry.parsed['route_id']).toBe('1');
    expect(entry.parsed['auth']).toBe('[REDACTED]');
    expect(entry.parsed['args']).toBe('api_key=[REDACTED]&x=1');
    expect(entry.parsed['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    expect(entry.raw).not.toContain('sk-header-secret');
    expect(entry.raw).not.toContain('sk-query-secret');
  });
});
