import { connect, createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { encryptString } from '@portico/schemas';
import { createTestCa, type TestCa } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServerCert, decryptPrivateKey, protocolRange, SslConfError } from './server-cert.js';

const keyring = ['qeddd145sfvddff3', 'edd1c9f0985e76a2'];
let ca: TestCa;
let leaf: { cert: string; key: string };

beforeAll(() => {
  ca = createTestCa();
  leaf = ca.issue({ cn: 'a.test.com', dns: ['a.test.com'] });
});
afterAll(() => ca.cleanup());

/** Serve one TLS handshake with the built context and return the certificate the client saw. */
async function handshake(context: ReturnType<typeof buildServerCert>['context'], servername: string): Promise<string> {
  const server: Server = createServer({ SNICallback: (_n, cb) => cb(null, context) }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', servername, ca: ca.cert }, () => {
        resolve(s.getPeerCertificate().subject.CN as string);
        s.end();
      });
      s.on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('buildServerCert', () => {
  it('serves the certificate with a key stored encrypted by the Admin API', async () => {
    const stored = encryptString(leaf.key, keyring);
    expect(stored.startsWith('---')).toBe(false);
    const cert = buildServerCert('1', { cert: leaf.cert, key: stored, sni: 'a.test.com' }, keyring);
    expect(cert.snis).toEqual(['a.test.com']);
    expect(cert.client).toBeUndefined();
    expect(await handshake(cert.context, 'a.test.com')).toBe('a.test.com');
  });

  it('uses PEM keys as they are and refuses ciphertext no keyring entry opens', () => {
    expect(decryptPrivateKey(leaf.key, keyring)).toBe(leaf.key);
    expect(() => decryptPrivateKey(encryptString(leaf.key, ['0123456789abcdef']), keyring)).toThrow(
      new SslConfError('failed to decrypt previous encrypted key'),
    );
  });

  it('refuses mismatched certs/keys lists and PEM that does not parse', () => {
    expect(() => buildServerCert('2', { cert: leaf.cert, key: leaf.key, certs: [leaf.cert], sni: 'x' }, keyring)).toThrow(
      'mismatched number of certs and keys',
    );
    expect(() => buildServerCert('3', { cert: 'not a pem', key: leaf.key, sni: 'x' }, keyring)).toThrow(
      /^failed to load cert\/key: /,
    );
  });

  it('records the client-certificate policy with its skip regexes', () => {
    const cert = buildServerCert(
      '4',
      {
        cert: leaf.cert,
        key: leaf.key,
        snis: ['a.test.com', 'b.test.com'],
        client: { ca: ca.cert, skip_mtls_uri_regex: ['^/health$'] },
      },
      keyring,
    );
    expect(cert.snis).toEqual(['a.test.com', 'b.test.com']);
    expect(cert.client?.skipMtlsUri.map((r) => [r.test('/health'), r.test('/health/x')])).toEqual([[true, false]]);
  });

  it('turns ssl_protocols into a version range', () => {
    expect(protocolRange(['TLSv1.3', 'TLSv1.2'])).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(protocolRange(undefined)).toEqual({});
  });
});
