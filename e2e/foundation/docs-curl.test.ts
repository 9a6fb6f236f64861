import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { dumpLogsOnFailure, eventually, startEchoUpstream, type Upstream } from '../helpers.js';

// The Admin API commands of APISIX's docs (the ai-proxy / ai-proxy-multi seed docs and the
// getting-started guide), run as a user would: bash + curl, with the admin key read from the
// config by the docs' yq command. Only the ports differ (the test uses free ports).
const run = promisify(execFile);

let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;
let home: string;

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  echo = await startEchoUpstream('echo');
  // The docs run from the APISIX home, reading conf/config.yaml.
  home = mkdtempSync(join(tmpdir(), 'portico-docs-'));
  mkdirSync(join(home, 'conf'));
  copyFileSync(apps.confPath, join(home, 'conf', 'config.yaml'));
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await etcd?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});
dumpLogsOnFailure(() => apps);

/** Run a doc command after the doc's admin_key line; returns curl's body and status code. */
async function doc(command: string): Promise<{ status: number; body: unknown }> {
  const curl = command
    .replaceAll('127.0.0.1:9180', `127.0.0.1:${apps.adminPort}`)
    .replaceAll('127.0.0.1:9080', `127.0.0.1:${apps.dataPlanes[0]!.port}`)
    .replace(/^curl /, `curl -sS -w '\\n%{http_code}' `);
  const script = `set -euo pipefail
admin_key=$(yq '.deployment.admin.admin_key[0].key' conf/config.yaml | sed 's/"//g')
${curl}`;
  const { stdout } = await run('bash', ['-c', script], {
    cwd: home,
    env: { ...process.env, OPENAI_API_KEY: 'sk-test-openai', DEEPSEEK_API_KEY: 'sk-test-deepseek' },
  });
  const nl = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, nl);
  return { status: Number(stdout.slice(nl + 1)), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('Admin API commands from the docs', () => {
  it('reads the working admin key with the docs yq command', async () => {
    const { stdout } = await run('bash', ['-c', `yq '.deployment.admin.admin_key[0].key' conf/config.yaml | sed 's/"//g'`], {
      cwd: home,
    });
    expect(stdout).toBe(`${apps.adminKey}\n`);
  });

  it('creates a route with an upstream (getting started) that then proxies', async () => {
    const r = await doc(`curl "http://127.0.0.1:9180/apisix/admin/routes" -X PUT \\
  -H "X-API-KEY: \${admin_key}" \\
  -d '{
    "id": "getting-started-ip",
    "uri": "/ip",
    "upstream": {
      "type": "roundrobin",
      "nodes": {
        "${echo.node}": 1
      }
    }
  }'`);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      key: '/apisix/routes/getting-started-ip',
      value: { id: 'getting-started-ip', uri: '/ip', upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } } },
    });
    await eventually(async () => {
      const res = await fetch(`${apps.dataPlanes[0]!.url}/ip`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-upstream')).toBe('echo');
    });
  });

  it('creates a consumer and a key-auth credential, then lists them', async () => {
    const consumer = await doc(`curl "http://127.0.0.1:9180/apisix/admin/consumers" -X PUT \\
  -H "X-API-KEY: \${admin_key}" \\
  -d '{
    "username": "johndoe"
  }'`);
    expect(consumer.status, JSON.stringify(consumer.body)).toBe(201);
    expect(consumer.body).toMatchObject({ key: '/apisix/consumers/johndoe', value: { username: 'johndoe' } });

    const cred = await doc(`curl "http://127.0.0.1:9180/apisix/admin/consumers/johndoe/credentials" -X PUT \\
  -H "X-API-KEY: \${admin_key}" \\
  -d '{
    "id": "cred-john-key-auth",
    "plugins": {
      "key-auth": {
        "key": "john-key"
      }
    }
  }'`);
    expect(cred.status, JSON.stringify(cred.body)).toBe(201);
    expect(cred.body).toMatchObject({
      key: '/apisix/consumers/johndoe/credentials/cred-john-key-auth',
      value: { id: 'cred-john-key-auth' },
    });

    const list = await doc(
      `curl "http://127.0.0.1:9180/apisix/admin/consumers/johndoe/credentials" -H "X-API-KEY: \${admin_key}"`,
    );
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body).toMatchObject({ total: 1, list: [{ key: '/apisix/consumers/johndoe/credentials/cred-john-key-auth' }] });

    const got = await doc(`curl "http://127.0.0.1:9180/apisix/admin/consumers/johndoe" -H "X-API-KEY: \${admin_key}"`);
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    expect(got.body).toMatchObject({ key: '/apisix/consumers/johndoe', value: { username: 'johndoe' } });
  });

  it('accepts the ai-proxy-multi doc consumer with ai-rate-limiting and its key-auth route', async () => {
    const consumer = await doc(`curl "http://127.0.0.1:9180/apisix/admin/consumers" -X PUT \\
  -H "X-API-KEY: \${admin_key}" \\
  -d '{
    "username": "janedoe",
    "plugins": {
      "ai-rate-limiting": {
        "instances": [
          {
            "name": "deepseek-instance",
            "limit": 10,
            "time_window": 60
          }
        ],
        "rejected_code": 429,
        "limit_strategy": "total_tokens"
      }
    }
  }'`);
    expect(consumer.status, JSON.stringify(consumer.body)).toBe(201);
    const route = await doc(`curl "http://127.0.0.1:9180/apisix/admin/routes" -X PUT \\
  -H "X-API-KEY: \${admin_key}" \\
  -d '{
    "id": "ai-proxy-multi-route",
    "uri": "/anything",
    "methods": ["POST"],
    "plugins": {
      "key-auth": {},
      "ai-proxy-multi": {
        "instances": [
          {
            "name": "openai-instance",
            "provider": "openai",
            "weight": 8,
            "auth": {
              "header": {
                "Authorization": "Bearer '"$OPENAI_API_KEY"'"
              }
            },
            "options": {
              "model": "gpt-4"
            }
          },
          {
            "name": "deepseek-instance",
            "provider": "deepseek",
            "weight": 2,
            "auth": {
              "header": {
                "Authorization": "Bearer '"$DEEPSEEK_API_KEY"'"
              }
            },
            "options": {
              "model": "deepseek-chat"
            }
          }
        ]
      }
    }
  }'`);
    expect(route.status, JSON.stringify(route.body)).toBe(201);
    expect(route.body).toMatchObject({ key: '/apisix/routes/ai-proxy-multi-route', value: { id: 'ai-proxy-multi-route' } });
  });

  it('refuses the commands without the key: 401 missing apikey', async () => {
    const r = await doc(`curl "http://127.0.0.1:9180/apisix/admin/routes"`);
    expect(r.status, JSON.stringify(r.body)).toBe(401);
    expect(r.body).toEqual({ error_msg: 'failed to check token', description: 'missing apikey' });
  });
});
