import type { AddressInfo } from 'node:net';
import { request as h1request } from 'node:https';
import { connect as h2connect } from 'node:http2';
import { createTestCa, type TestCa } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpsServer } from './https-server.js';
import { NO_CLIENT_CERT_PAGE, CLIENT_CERT_ERROR_PAGE } from './mtls.js';
import { buildServerCert, type ServerCert } from './server-cert.js';
import { SniIndex } from './sni-index.js';

let ca: TestCa;
let clientCa: TestCa;
let index: SniIndex<ServerCert>;
let port: number;
let server: ReturnType<typeof createHttpsServer>;
const keyring: string[] = [];

beforeAll(async () => {
  ca = createTestCa('server CA');
  clientCa = createTestCa('client CA');
  const a = ca.issue({ cn: 'a.test.com', dns: ['a.test.com'] });
  const w = ca.issue({ cn: 'wild', dns: ['*.wild.com'] });
  const m = ca.issue({ cn: 'mtls.test.com', dns: ['mtls.test.com'] });
  index = new SniIndex();
  index.add(['a.test.com'], buildServerCert('a', { cert: a.cert, key: a.key, sni: 'a.test.com' }, keyring));
  index.add(['*.wild.com'], buildServerCert('w', { cert: w.cert, key: w.key, sni: '*.wild.com' }, keyring));
  const mtls = {
    cert: m.cert,
    key: m.key,
    sni: 'mtls.test.com',
    client: { ca: clientCa.cert, skip_mtls_uri_regex: ['^/public'] },
  };
  index.add(['mtls.test.com'], buildServerCert('m', mtls, keyring));
  server = createHttpsServer(
    (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.httpVersion} ${req.headers.host} ${req.url}`);
    },
    { certFor: (n) => index.match(n), http2: true },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.close();
  ca.cleanup();
  clientCa.cleanup();
});

function get(
  servername: string,
  path = '/',
  extra: { cert?: string; key?: string } = {},
): Promise<{ status: number; body: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = h1request(
      { host: '127.0.0.1', port, path, servername, ca: ca.cert, headers: { host: servername }, agent: false, ...extra },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            body,
            cn: String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS listener', () => {
  it('serves the certificate of the SNI, exact and wildcard, over HTTP/1.1', async () => {
    expect(await get('a.test.com', '/x?y=1')).toEqual({ status: 200, body: '1.1 a.test.com /x?y=1', cn: 'a.test.com' });
    expect((await get('api.wild.com')).cn).toBe('wild');
  });

  it('fails the handshake for a name no certificate covers', async () => {
    await expect(get('nobody.org')).rejects.toThrow();
  });

  it('speaks HTTP/2 by ALPN with :authority as the Host', async () => {
    const session = h2connect(`https://127.0.0.1:${port}`, { servername: 'a.test.com', ca: ca.cert });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const s = session.request({ ':path': '/h2', ':authority': 'a.test.com' });
        let b = '';
        s.on('data', (c) => (b += c));
        s.on('end', () => resolve(b));
        s.on('error', reject);
      });
      expect(body).toBe('2.0 a.test.com /h2');
    } finally {
      session.close();
    }
  });

  it('enforces client certificates where the ssl object has a client CA, except on skipped paths', async () => {
    expect(await get('mtls.test.com', '/secret')).toMatchObject({ status: 400, body: NO_CLIENT_CERT_PAGE.toString() });
    expect(await get('mtls.test.com', '/public/x?a=1')).toMatchObject({ status: 200 });
    const good = clientCa.issue({ cn: 'client', client: true });
    expect(await get('mtls.test.com', '/secret', good)).toMatchObject({ status: 200 });
    const stranger = ca.issue({ cn: 'stranger', client: true });
    expect(await get('mtls.test.com', '/secret', stranger)).toMatchObject({
      status: 400,
      body: CLIENT_CERT_ERROR_PAGE.toString(),
    });
  });

  it('serves a certificate added after start at the next handshake', async () => {
    const b = ca.issue({ cn: 'b.test.com', dns: ['b.test.com'] });
    await expect(get('b.test.com')).rejects.toThrow();
    index.add(['b.test.com'], buildServerCert('b', { cert: b.cert, key: b.key, sni: 'b.test.com' }, keyring));
    expect((await get('b.test.com')).cn).toBe('b.test.com');
  });
});
