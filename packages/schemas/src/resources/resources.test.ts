import { describe, expect, it } from 'vitest';
import { compileSchema } from '../validator/compile.js';
import { consumerSchema, credentialSchema, globalRuleSchema, routeSchema, serviceSchema, upstreamSchema } from './index.js';

const route = compileSchema(routeSchema);

describe('resource schemas (apisix/schema_def.lua)', () => {
  it('accepts a minimal route and applies defaults to the checked value', () => {
    const r: Record<string, unknown> = { uri: '/a', upstream: { nodes: { '127.0.0.1:80': 1 } } };
    expect(route(r)).toBeUndefined();
    expect(r.priority).toBe(0);
    expect(r.status).toBe(1);
    expect((r.upstream as Record<string, unknown>).type).toBe('roundrobin');
  });
  it('rejects a route with neither uri nor uris', () => {
    expect(route({ upstream_id: 1 })).toBe('allOf 1 failed: value should match only one schema, but matches none');
  });
  it('rejects a route with only a uri', () => {
    expect(route({ uri: '/a' })).toBe(
      'object matches none of the required: ["plugins","uri"] or ["upstream","uri"] or ["upstream_id","uri"] or ["service_id","uri"] or ["plugins","uris"] or ["upstream","uris"] or ["upstream_id","uris"] or ["service_id","uris"] or ["script","uri"] or ["script","uris"]',
    );
  });
  it('rejects bad ids, methods, labels and names with APISIX wording', () => {
    expect(route({ id: 'a b', uri: '/', plugins: {} })).toBe(
      'property "id" validation failed: object matches none of the required',
    );
    expect(route({ uri: '/', plugins: {}, methods: ['invalid'] })).toBe(
      'property "methods" validation failed: failed to validate item 1: matches none of the enum values',
    );
    expect(route({ uri: '/', plugins: {}, labels: { env: ['a'] } })).toBe(
      'property "labels" validation failed: failed to validate env (matching ".*"): wrong type: expected string, got table',
    );
    expect(compileSchema(serviceSchema)({ name: 'a'.repeat(257) })).toBe(
      'property "name" validation failed: string too long, expected at most 256, got 257',
    );
    expect(route({ uri: '/', plugins: {}, script: 'local _M = {} return _M' })).toBe("value wasn't supposed to match schema");
  });
  it('validates upstream nodes in both forms and the checks anyOf', () => {
    const up = compileSchema(upstreamSchema);
    expect(up({ nodes: [{ host: '127.0.0.1', port: 80, weight: 1 }] })).toBeUndefined();
    expect(up({ nodes: {}, checks: { passive: {} } })).toBe(
      'property "checks" validation failed: object matches none of the required: ["active"] or ["active","passive"]',
    );
    expect(up({})).toBe('value should match only one schema, but matches none');
  });
  it('validates consumers, credentials and global rules', () => {
    expect(compileSchema(consumerSchema)({})).toBe('property "username" is required');
    expect(compileSchema(credentialSchema)({ plugins: { 'key-auth': {}, 'basic-auth': {} } })).toBe(
      'property "plugins" validation failed: expect object to have at most 1 properties',
    );
    expect(compileSchema(credentialSchema)({ id: 'jack/credentials/cred-1', plugins: {} })).toBeUndefined();
    expect(compileSchema(globalRuleSchema)({ id: '1' })).toBe('property "plugins" is required');
  });
});
