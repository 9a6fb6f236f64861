/**
 * `secrets` objects and `$secret://` / `$env://` references through the built admin and data
 * plane: a Vault KV server holds an LLM key and a consumer key; ai-proxy sends the resolved
 * key upstream, key-auth matches the resolved consumer key, and a consumer whose reference
 * cannot be resolved is never served (fail closed).
 */
import {
  startEtcd,
  startMockLlm,
  startPortico,
  startVault,
  type EtcdProcess,
  type MockLlm,
  type PorticoApps,
  type VaultServer,
} from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';

let etcd: EtcdProcess;
let apps: PorticoApps;
let vault: VaultServer;
let llm: MockLlm;

beforeAll(async () => {
  etcd = await startEtcd();
  vault = await startVault('e2e-root-token');
  vault.put('kv/apisix/openai', { auth: 'Bearer sk-from-vault' });
  vault.put('kv/apisix/jack', { 'auth-key': 'jack-secret-key' });
  llm = await startMockLlm({ apiKey: 'sk-from-vault' });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, env: { PORTICO_E2E_LLM_KEY: 'Bearer sk-from-vault' } });
});
afterAll(async () => {
  await apps?.stop();
  await llm?.close();
  await vault?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('secrets through the Admin API', () => {
  it('stores secrets/<manager>/<id> under that key, checked against the manager schema', async () => {
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/secrets/vault/1', {
      uri: vault.url,
      prefix: 'kv/apisix',
      token: vault.token,
    });
    expect(put.status).toBe(201);
    const body = put.json() as { key: string; value: Record<string, unknown> };
    expect(body.key).toBe('/apisix/secrets/vault/1');
    expect(body.value).toMatchObject({ id: 'vault/1', uri: vault.url, prefix: 'kv/apisix' });
    expect((await adminRequest(apps, 'GET', '/apisix/admin/secrets/vault/1')).status).toBe(200);
    const bad = await adminRequest(apps, 'PUT', '/apisix/admin/secrets/nope/1', { uri: vault.url });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error_msg: 'invalid secret manager: nope' });
    const missing = await adminRequest(apps, 'PUT', '/apisix/admin/secrets/vault/2', { uri: vault.url });
    expect(missing.status).toBe(400);
    expect((missing.json() as { error_msg: string }).error_msg).toMatch(
      /^invalid configuration: property "(prefix|token)" is required/,
    );
    const post = await adminRequest(apps, 'POST', '/apisix/admin/secrets/vault', { uri: vault.url, prefix: 'p', token: 't' });
    expect(post.status).toBe(405);
  });
});

describe('references in plugin confs', () => {
  it('sends the key resolved from Vault to the LLM provider (ai-proxy auth header)', async () => {
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/llm', {
      uri: '/llm',
      plugins: {
        'ai-proxy': {
          provider: 'openai',
          auth: { header: { Authorization: '$secret://vault/1/openai/auth' } },
          options: { model: 'gpt-4' },
          override: { endpoint: `${llm.url}/v1/chat/completions` },
        },
      },
    });
    expect(put.status).toBe(201);
    const dp = apps.dataPlanes[0]!;
    await eventually(async () => {
      const res = await fetch(`${dp.url}/llm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
    });
    expect(llm.requests.at(-1)?.headers.authorization).toBe('Bearer sk-from-vault');
  });

  it('resolves $env:// references too', async () => {
    const put = await adminRequest(apps, 'PUT', '/apisix/admin/routes/llm-env', {
      uri: '/llm-env',
      plugins: {
        'ai-proxy': {
          provider: 'openai',
          auth: { header: { Authorization: '$env://PORTICO_E2E_LLM_KEY' } },
          override: { endpoint: `${llm.url}/v1/chat/completions` },
        },
      },
    });
    expect(put.status).toBe(201);
    await eventually(async () => {
      const res = await fetch(`${apps.dataPlanes[0]!.url}/llm-env`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
    });
  });

  it('authenticates a consumer whose key-auth key lives in Vault, and never one whose reference does not resolve', async () => {
    expect(
      (
        await adminRequest(apps, 'PUT', '/apisix/admin/consumers', {
          username: 'jack',
          plugins: { 'key-auth': { key: '$secret://vault/1/jack/auth-key' } },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await adminRequest(apps, 'PUT', '/apisix/admin/consumers', {
          username: 'ghost',
          plugins: { 'key-auth': { key: '$secret://vault/1/nobody/auth-key' } },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await adminRequest(apps, 'PUT', '/apisix/admin/routes/guarded', {
          uri: '/llm-guarded',
          plugins: {
            'key-auth': {},
            'ai-proxy': {
              provider: 'openai',
              auth: { header: { Authorization: '$secret://vault/1/openai/auth' } },
              override: { endpoint: `${llm.url}/v1/chat/completions` },
            },
          },
        })
      ).status,
    ).toBe(201);
    const call = (key: string) =>
      fetch(`${apps.dataPlanes[0]!.url}/llm-guarded`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', apikey: key },
        body: JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] }),
      });
    await eventually(async () => expect((await call('jack-secret-key')).status).toBe(200));
    // The literal reference is not a key, and the unresolvable consumer is left out.
    expect((await call('$secret://vault/1/nobody/auth-key')).status).toBe(401);
    expect((await call('$secret://vault/1/jack/auth-key')).status).toBe(401);
    expect((await call('wrong')).status).toBe(401);
  });
});
