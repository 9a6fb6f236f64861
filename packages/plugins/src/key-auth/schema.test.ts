import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { keyAuthDefinition } from './schema.js';

describe('keyAuthDefinition', () => {
  it('applies the route defaults of apisix/plugins/key-auth.lua', () => {
    const conf: Record<string, unknown> = {};
    expect(checkPluginConf(keyAuthDefinition, conf, 'route')).toBeUndefined();
    expect(conf).toEqual({ header: 'apikey', query: 'apikey', realm: 'key', hide_credentials: false });
  });

  it('requires key in consumer confs and rejects a realm with a double quote', () => {
    expect(checkPluginConf(keyAuthDefinition, {}, 'consumer')).toBe('property "key" is required');
    expect(checkPluginConf(keyAuthDefinition, { key: 'k' }, 'consumer')).toBeUndefined();
    expect(checkPluginConf(keyAuthDefinition, { realm: 'a"b' }, 'route')).toBe(
      'property "realm" validation failed: failed to match pattern "^[ -!#-[\\\\]-~]+$" with "a\\"b"',
    );
    expect(checkPluginConf(keyAuthDefinition, { anonymous_consumer: '' }, 'route')).toBe(
      'property "anonymous_consumer" validation failed: string too short, expected at least 1, got 0',
    );
  });

  it('is an auth plugin at priority 2500 encrypting key', () => {
    expect(keyAuthDefinition.priority).toBe(2500);
    expect(keyAuthDefinition.type).toBe('auth');
    expect(keyAuthDefinition.encryptFields).toEqual(['key']);
  });
});
