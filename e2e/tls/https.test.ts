/**
 * HTTPS through the built data plane: `ssls` written through the Admin API (keys encrypted at
 * rest, never read back), certificates chosen by SNI (exact and wildcard) on the HTTPS
 * listener, HTTP/2 by ALPN, a certificate rotated under load with no failed request, mTLS.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { createTestCa, startEtcd, startPortico, type EtcdProcess, type PorticoApps, type TestCa } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, type Upstream } from '../helpers.js';

const run = promisify(execFile);
let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;
let ca: TestCa;

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  echo = await startEchoUpstream('tls-echo');
  ca = createTestCa('Portico e2e TLS CA');
  const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/hello', {
    uri: '/hello',
    upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${echo.port}`]: 1 } },
  });
  expect(put.status).toBe(201);
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await etcd?.cleanup();
  ca?.cleanup();
});
dumpLogsOnFailure(() => apps);

/** One request on a fresh TLS connection: status, body and the served certificate's serial. */
function get(
  servername: string,
  path = '/hello',
  extra: { cert?: string; key?: string } = {},
): Promise<{ status: number; body: string; serial: string; cn: string }> {
  const dp = apps.dataPlanes[0]!;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: dp.sslPort,
        path,
        servername,
        ca: ca.cert,
        headers: { host: servername },
        agent: false,
        timeout: 10_000,
        ...extra,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          const peer = (res.socket as TLSSocket).getPeerCertificate();
          resolve({ status: res.statusCode!, body, serial: peer.serialNumber, cn: String(peer.subject?.CN) });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('ssls through the Admin API', () => {
  it('stores the private key encrypted and never returns it', async () => {
    const leaf = ca.issue({ cn: 'a.test.com', dns: ['a.test.com'] });
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/ssls/1', { cert: leaf.cert, key: leaf.key, snis: ['a.test.com'] });
    expect(put.status).toBe(201);
    const stored = (put.json() as { value: { key: string } }).value;
    expect(stored.key.startsWith('---')).toBe(false);
    expect(Buffer.from(stored.key, 'base64').length % 16).toBe(0);
    const got = (await adminRequest(apps, 'GET', '/apisix/admin/ssls/1')).json() as { value: Record<string, unknown> };
    expect(got.value.key).toBeUndefined();
    expect(got.value.cert).toBe(leaf.cert);
    const list = (await adminRequest(apps, 'GET', '/apisix/admin/ssls')).json() as { list: { value: Record<string, unknown> }[] };
    expect(list.list.map((i) => i.value.key)).toEqual([undefined]);
  });

  it('refuses certificates and keys that do not parse, and unpaired certs/keys, with APISIX messages', async () => {
    const leaf = ca.issue({ cn: 'b.test.com', dns: ['b.test.com'] });
    const bad = await adminRequest(apps, 'PUT', '/apisix/admin/ssls/bad', {
      cert: 'x'.repeat(200),
      key: leaf.key,
      sni: 'b.test.com',
    });
    expect(bad.status).toBe(400);
    expect((bad.json() as { error_msg: string }).error_msg).toMatch(/^failed to parse cert: /);
    const unpaired = await adminRequest(apps, 'PUT', '/apisix/admin/ssls/bad', {
      cert: leaf.cert,
      key: leaf.key,
      sni: 'b.test.com',
      certs: [leaf.cert],
    });
    expect(unpaired.json()).toEqual({ error_msg: 'mismatched number of certs and keys' });
    const schema = await adminRequest(apps, 'PUT', '/apisix/admin/ssls/bad', { cert: leaf.cert, key: leaf.key });
    expect(schema.status).toBe(400);
    expect((schema.json() as { error_msg: string }).error_msg).toMatch(/^invalid configuration: /);
  });
});

describe('the HTTPS listener', () => {
  it('answers curl over HTTPS with the certificate of each SNI, exact and wildcard', async () => {
    const wild = ca.issue({ cn: 'wildcard', dns: ['*.wild.com'] });
    expect(
      (await adminRequest(apps, 'PUT', '/apisix/admin/ssls/2', { cert: wild.cert, key: wild.key, sni: '*.wild.com' })).status,
    ).toBe(201);
    const port = apps.dataPlanes[0]!.sslPort;
    const curl = async (host: string) => {
      const { stdout, stderr } = await run('curl', [
        '-sS',
        '-v',
        '--cacert',
        ca.certFile,
        '--resolve',
        `${host}:${port}:127.0.0.1`,
        `https://${host}:${port}/hello?x=1`,
        '-w',
        '\n%{http_code} %{http_version}',
      ]);
      return { stdout, stderr };
    };
    await eventually(async () => {
      const a = await curl('a.test.com');
      expect(a.stdout.trim().split('\n').at(-1)).toBe('200 2');
      expect(a.stderr).toMatch(/subject: CN=a\.test\.com/);
      const w = await curl('api.wild.com');
      expect(w.stdout.trim().split('\n').at(-1)).toBe('200 2');
      expect(w.stderr).toMatch(/subject: CN=wildcard/);
    });
    // No certificate covers this name: the handshake fails.
    await expect(curl('nobody.example.org')).rejects.toThrow();
    // The request reached the upstream with the client's Host.
    const body = JSON.parse((await get('a.test.com', '/hello?y=2')).body) as { url: string; headers: Record<string, string> };
    expect(body.url).toBe('/hello?y=2');
    expect(body.headers.host).toBe('a.test.com');
  });

  it('rotates a certificate through the Admin API under load with no failed request', async () => {
    const before = await get('a.test.com');
    expect(before.status).toBe(200);
    const next = ca.issue({ cn: 'a.test.com', dns: ['a.test.com'] });
    const nextSerial = new X509Certificate(next.cert).serialNumber;
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const serials = new Set<string>();
    const loop = async () => {
      while (!stop) {
        try {
          const r = await get('a.test.com');
          if (r.status === 200) ok++;
          else failures.push(String(r.status));
          serials.add(r.serial);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    await new Promise((r) => setTimeout(r, 500));
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/ssls/1', { cert: next.cert, key: next.key, snis: ['a.test.com'] });
    expect(put.status).toBe(200);
    await eventually(async () => expect(serials.has(nextSerial)).toBe(true));
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
    expect(serials.has(before.serial)).toBe(true);
    expect((await get('a.test.com')).serial).toBe(nextSerial);
  });

  it('requires a client certificate signed by client.ca, except on skip_mtls_uri_regex paths', async () => {
    const clientCa = createTestCa('Portico e2e client CA');
    try {
      const leaf = ca.issue({ cn: 'mtls.test.com', dns: ['mtls.test.com'] });
      const put = await adminRequest(apps, 'PUT', '/apisix/admin/ssls/3', {
        cert: leaf.cert,
        key: leaf.key,
        sni: 'mtls.test.com',
        client: { ca: clientCa.cert, skip_mtls_uri_regex: ['^/public'] },
      });
      expect(put.status).toBe(201);
      const good = clientCa.issue({ cn: 'client', client: true });
      await eventually(async () => expect((await get('mtls.test.com', '/hello', good)).status).toBe(200));
      const none = await get('mtls.test.com');
      expect(none.status).toBe(400);
      expect(none.body).toContain('<center>No required SSL certificate was sent</center>');
      expect((await get('mtls.test.com', '/public-hello')).status).toBe(404);
    } finally {
      clientCa.cleanup();
    }
  });
});

describe('upstream TLS', () => {
  it('presents the client certificate of tls.client_cert_id to an HTTPS upstream that requires one', async () => {
    const { createServer } = await import('node:https');
    const upstreamCa = createTestCa('upstream client CA');
    const serverLeaf = ca.issue({ cn: 'upstream.local', dns: ['upstream.local'] });
    const seen: string[] = [];
    const server = createServer(
      { cert: serverLeaf.cert, key: serverLeaf.key, ca: upstreamCa.cert, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        seen.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
        res.end('mtls ok');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const client = upstreamCa.issue({ cn: 'portico-gateway', client: true });
      const ssl = await adminRequest(apps, 'PUT', '/apisix/admin/ssls/client1', {
        type: 'client',
        cert: client.cert,
        key: client.key,
      });
      expect(ssl.status).toBe(201);
      const route = await adminRequest(apps, 'PUT', '/apisix/admin/routes/mtls-up', {
        uri: '/mtls-up',
        upstream: {
          type: 'roundrobin',
          scheme: 'https',
          pass_host: 'rewrite',
          upstream_host: 'upstream.local',
          nodes: { [`127.0.0.1:${port}`]: 1 },
          tls: { client_cert_id: 'client1' },
        },
      });
      expect(route.status).toBe(201);
      await eventually(async () => {
        const res = await fetch(`${apps.dataPlanes[0]!.url}/mtls-up`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('mtls ok');
      });
      expect(seen.at(-1)).toBe('portico-gateway');
    } finally {
      server.close();
      upstreamCa.cleanup();
    }
  });
});
