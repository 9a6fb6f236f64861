/**
 * Throwaway certificates for tests, made with the openssl CLI: a CA, and leaf certificates it
 * signs for server names (serverAuth) or for clients (clientAuth). P-256 keys: fast to make,
 * accepted by Node, curl and undici.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** PEM of the CA certificate. */
  cert: string;
  /** Path of the CA certificate (for curl --cacert). */
  certFile: string;
  /** Issue a leaf certificate signed by this CA. */
  /** `dns` entries that are IP addresses become IP SANs. */
  issue(opts: { cn: string; dns?: string[]; client?: boolean }): { cert: string; key: string };
  cleanup(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createTestCa(name = 'Portico test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'portico-pki-'));
  openssl(
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  let n = 0;
  return {
    cert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    certFile: join(dir, 'ca.crt'),
    issue({ cn, dns, client }) {
      n += 1;
      const base = `leaf${n}`;
      openssl(['req', ...EC, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${cn}`], dir);
      const ext = [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature',
        `extendedKeyUsage=${client ? 'clientAuth' : 'serverAuth'}`,
      ];
      if (dns?.length) ext.push(`subjectAltName=${dns.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`);
      writeFileSync(join(dir, `${base}.ext`), ext.join('\n'));
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${base}.csr`,
          '-CA',
          'ca.crt',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-out',
          `${base}.crt`,
          '-days',
          '2',
          '-extfile',
          `${base}.ext`,
        ],
        dir,
      );
      return { cert: readFileSync(join(dir, `${base}.crt`), 'utf8'), key: readFileSync(join(dir, `${base}.key`), 'utf8') };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
