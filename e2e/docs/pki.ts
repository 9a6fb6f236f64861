import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Hosts the docs reach (default provider hosts + the endpoints and probe host printed in the docs). */
export const PROVIDER_HOSTS = [
  'api.openai.com',
  'api.deepseek.com',
  'api.anthropic.com',
  'openrouter.ai',
  'api.aimlapi.com',
  'generativelanguage.googleapis.com',
  'aiplatform.googleapis.com',
  'api7-auzre-openai.openai.azure.com',
  'ai-plugin-developer.openai.azure.com',
  'yourhost.com',
  // APISIX 3.18 AI-plugin docs: AWS Comprehend, Lakera Guard, DashScope (ai-request-rewrite).
  'comprehend.us-east-1.amazonaws.com',
  'api.lakera.ai',
  'dashscope.aliyuncs.com',
] as const;

/** A throwaway CA and one leaf certificate covering every provider host. */
export interface TestPki {
  caFile: string;
  cert: string;
  key: string;
  ca: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Generate the CA and leaf with openssl into `dir` (P-256 keys: fast, and accepted by Node and curl). */
export function createTestPki(dir: string, hosts: readonly string[] = PROVIDER_HOSTS): TestPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=Portico docs-e2e test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  openssl(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${hosts[0]}`], dir);
  writeFileSync(
    join(dir, 'leaf.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`,
    ].join('\n'),
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.crt',
      '-days',
      '2',
      '-extfile',
      'leaf.ext',
    ],
    dir,
  );
  return {
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(dir, 'leaf.crt'), 'utf8'),
    key: readFileSync(join(dir, 'leaf.key'), 'utf8'),
  };
}
