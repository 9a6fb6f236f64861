import { describe, expect, it } from 'vitest';
import { coreSchemas } from '../resources/index.js';
import { childKindAt, childKinds, classifyKey, keyOf, kindOf, RESOURCE_KINDS, resourceKind } from './index.js';

const P = '/apisix';

describe('resource kind table', () => {
  it('names each kind once and every cross-kind link names a kind of the table', () => {
    const names = RESOURCE_KINDS.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
    for (const k of RESOURCE_KINDS) {
      for (const r of k.references ?? []) expect(resourceKind(r.kind), `${k.name} -> ${r.kind}`).toBeDefined();
      for (const r of k.deleteGuard?.referrers ?? []) expect(resourceKind(r.kind), `${k.name} <- ${r.kind}`).toBeDefined();
      if (k.key.kind === 'child') expect(resourceKind(k.key.parent)?.key.kind).toBe('dir');
    }
  });

  it('declares the data each listed check step reads', () => {
    for (const k of RESOURCE_KINDS) {
      if (k.checks.includes('plugins')) expect(k.plugins, k.name).toBeDefined();
      if (k.checks.includes('upstream')) expect(k.upstream, k.name).toBeDefined();
      if (k.checks.includes('references')) expect(k.references?.length, k.name).toBeGreaterThan(0);
      if (k.checks.includes('exclusive')) expect(k.exclusive?.length, k.name).toBeGreaterThan(0);
    }
  });

  it('keys top-level objects by directory and credentials under their consumer', () => {
    expect(keyOf(kindOf('routes'), '1')).toBe('/routes/1');
    expect(keyOf(kindOf('routes'), undefined)).toBe('/routes');
    expect(keyOf(kindOf('credentials'), 'c1', 'jack')).toBe('/consumers/jack/credentials/c1');
    expect(keyOf(kindOf('credentials'), undefined, 'jack')).toBe('/consumers/jack/credentials');
    expect(childKinds('consumers').map((k) => k.name)).toEqual(['credentials']);
    expect(childKindAt('consumers', 'credentials')?.name).toBe('credentials');
    expect(childKindAt('routes', 'credentials')).toBeUndefined();
  });

  it('classifies etcd keys as the data plane consumes them', () => {
    expect(classifyKey(P, '/apisix/routes/1')).toEqual({ kind: 'routes', id: '1' });
    expect(classifyKey(P, '/apisix/plugin_metadata/http-logger')).toEqual({ kind: 'plugin_metadata', id: 'http-logger' });
    expect(classifyKey(P, '/apisix/consumers/jack')).toEqual({ kind: 'consumers', id: 'jack' });
    expect(classifyKey(P, '/apisix/consumers/jack/credentials/c1')).toEqual({ kind: 'credentials', id: 'jack/credentials/c1' });
    expect(classifyKey(P, '/apisix/ssls/1')).toEqual({ kind: 'ssls', id: '1' });
    expect(classifyKey(P, '/apisix/secrets/vault/1')).toEqual({ kind: 'secrets', id: 'vault/1' });
    for (const ignored of [
      '/apisix/routes/',
      '/apisix/routes',
      '/apisix/routes/a/b',
      '/apisix/credentials/c1',
      '/apisix/consumers/jack/credentials/',
      '/apisix/consumers/jack/other/c1',
      '/apisix/consumers//credentials/c1',
      '/apisix/secrets/vault',
      '/apisix/secrets/vault/1/x',
      '/apisix/plugins',
      '/other/routes/1',
    ]) {
      expect(classifyKey(P, ignored), ignored).toBeUndefined();
    }
  });

  it('serves the core schema of every kind that has one under its APISIX name', () => {
    expect(coreSchemas.route).toBe(kindOf('routes').schema);
    expect(coreSchemas.consumer_group).toBe(kindOf('consumer_groups').schema);
    expect(Object.keys(coreSchemas).sort()).toEqual([
      'consumer',
      'consumer_group',
      'credential',
      'global_rule',
      'id_schema',
      'plugin_config',
      'plugins',
      'proto',
      'route',
      'service',
      'ssl',
      'stream_route',
      'upstream',
    ]);
  });
});
