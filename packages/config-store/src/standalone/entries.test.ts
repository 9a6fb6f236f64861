import { describe, expect, it } from 'vitest';
import { resolveEntries, standaloneEntries } from './entries.js';

describe('standalone config → etcd-style entries', () => {
  it('keys items by id, consumers by username, and ids-less items by arr_<n> as APISIX does', () => {
    const entries = standaloneEntries(
      {
        routes: [{ id: 1, uri: '/a' }, { uri: '/b' }],
        consumers: [{ username: 'jack' }, { id: 'jack/credentials/c1', plugins: { 'key-auth': { key: 'k' } } }],
        plugin_metadata: [{ id: 'http-logger', log_format: {} }],
        secrets: [{ id: 'vault/1', uri: 'http://v', prefix: 'kv', token: 't' }],
        routes_conf_version: 3,
      },
      '/apisix',
    );
    expect([...entries.keys()]).toEqual([
      '/apisix/routes/1',
      '/apisix/routes/arr_2',
      '/apisix/consumers/jack',
      '/apisix/consumers/jack/credentials/c1',
      '/apisix/plugin_metadata/http-logger',
      '/apisix/secrets/vault/1',
    ]);
    expect(JSON.parse(entries.get('/apisix/routes/1')!.value)).toEqual({ id: 1, uri: '/a' });
  });

  it('refuses a configuration that is not an object of arrays', () => {
    expect(() => standaloneEntries([], '/apisix')).toThrow('the configuration must be an object of resource arrays');
    expect(() => standaloneEntries({ routes: { id: 1 } }, '/apisix')).toThrow('routes must be an array');
  });
});

describe('modifiedIndex', () => {
  it('is taken off the stored object and keeps an item unchanged while it does not move', () => {
    const first = standaloneEntries(
      {
        routes: [
          { id: 'r', uri: '/r1', modifiedIndex: 1 },
          { id: 'n', uri: '/n1' },
        ],
      },
      '/apisix',
    );
    expect(first.get('/apisix/routes/r')).toEqual({ value: '{"id":"r","uri":"/r1"}', modifiedIndex: 1 });
    const same = standaloneEntries(
      {
        routes: [
          { id: 'r', uri: '/r2', modifiedIndex: 1 },
          { id: 'n', uri: '/n2' },
        ],
      },
      '/apisix',
    );
    const kept = resolveEntries(same, first);
    expect(JSON.parse(kept.get('/apisix/routes/r')!.value).uri).toBe('/r1');
    expect(JSON.parse(kept.get('/apisix/routes/n')!.value).uri).toBe('/n2');
    const moved = standaloneEntries({ routes: [{ id: 'r', uri: '/r2', modifiedIndex: 2 }] }, '/apisix');
    const next = resolveEntries(moved, kept);
    expect(JSON.parse(next.get('/apisix/routes/r')!.value).uri).toBe('/r2');
    expect(next.has('/apisix/routes/n')).toBe(false);
  });
});
