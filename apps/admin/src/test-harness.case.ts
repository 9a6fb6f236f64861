/** Shared fixtures for the admin tests: conf, plugins, an in-process app over MemoryConfigStore. */
import { parseConf } from '@portico/conf';
import { MemoryConfigStore, type ConfigStore } from '@portico/config-store';
import type { Logger, PluginDefinition } from '@portico/plugin-sdk';
import { buildAdminApp } from './app.js';

export const ADMIN_KEY = 'edd1c9f034335f136f87ad84b625c8f1';
export const VIEWER_KEY = '4054f7cf07e344346cd3f287985e76a2';
export const NOW = 1_700_000_000;

const BASE_YAML = `
deployment:
  role: traditional
  role_traditional:
    config_provider: etcd
  admin:
    admin_key:
      - name: admin
        key: ${ADMIN_KEY}
        role: admin
      - name: viewer
        key: ${VIEWER_KEY}
        role: viewer
  etcd:
    host: ["http://127.0.0.1:2379"]
`;

export function makeConf(yaml = BASE_YAML) {
  return parseConf(yaml, '/tmp/portico-admin-test/config.yaml', {});
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export const testPlugins: PluginDefinition[] = [
  {
    name: 'key-auth',
    priority: 2500,
    type: 'auth',
    schema: { type: 'object', properties: { header: { type: 'string', default: 'apikey' } } },
    consumerSchema: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
    encryptFields: ['key'],
  },
  {
    name: 'basic-auth',
    priority: 2520,
    type: 'auth',
    schema: { type: 'object' },
    consumerSchema: {
      type: 'object',
      properties: { username: { type: 'string' }, password: { type: 'string' } },
      required: ['username', 'password'],
    },
    encryptFields: ['password'],
  },
  {
    name: 'limit-count',
    priority: 1002,
    schema: {
      type: 'object',
      properties: { count: { type: 'integer', exclusiveMinimum: 0 }, time_window: { type: 'integer', exclusiveMinimum: 0 } },
      required: ['count', 'time_window'],
    },
  },
  { name: 'prometheus', priority: 500, schema: { type: 'object' } },
  {
    name: 'example-plugin',
    priority: 0,
    schema: { type: 'object' },
    metadataSchema: {
      type: 'object',
      properties: { ikey: { type: 'number', minimum: 0 }, skey: { type: 'string' } },
      required: ['ikey', 'skey'],
    },
  },
];

export interface Res {
  status: number;
  text: string;
  headers: Headers;
  json(): unknown;
}

export function makeAdmin(
  opts: { conf?: ReturnType<typeof makeConf>; store?: ConfigStore; plugins?: readonly PluginDefinition[] } = {},
) {
  const store = opts.store ?? new MemoryConfigStore();
  const conf = opts.conf ?? makeConf();
  const app = buildAdminApp({ store, conf, plugins: opts.plugins ?? testPlugins, logger: silentLogger, now: () => NOW });
  async function req(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { 'X-API-KEY': ADMIN_KEY },
    env?: unknown,
  ): Promise<Res> {
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const r = await app.request(path, init, env as never);
    const text = await r.text();
    return { status: r.status, text, headers: r.headers, json: () => JSON.parse(text) as unknown };
  }
  return { app, store, conf, req };
}
