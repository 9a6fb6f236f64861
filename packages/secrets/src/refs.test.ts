import { describe, expect, it } from 'vitest';
import { collectRefs, hasSecretRef, parseRef, substituteRefs } from './refs.js';

describe('secret references', () => {
  it('parses $secret://manager/conf-id/key with a key that may contain slashes', () => {
    expect(parseRef('$secret://vault/1/apisix/jack/auth-key')).toEqual({
      kind: 'secret',
      manager: 'vault',
      confId: '1',
      key: 'apisix/jack/auth-key',
    });
  });

  it('reports malformed $secret:// references with APISIX wording', () => {
    expect(parseRef('$secret://vault')).toEqual({ error: 'error format: no secret manager' });
    expect(parseRef('$secret://vault/1')).toEqual({ error: 'error format: no secret conf id' });
    expect(parseRef('$secret://vault/1/')).toEqual({ error: 'error format: no secret key id' });
    expect(parseRef('plain')).toEqual({ error: 'error secret_uri prefix: plain' });
  });

  it('parses $env:// case-insensitively, with an optional JSON field', () => {
    expect(parseRef('$ENV://OPENAI_KEY')).toEqual({ kind: 'env', name: 'OPENAI_KEY', subKey: '' });
    expect(parseRef('$env://CREDS/token')).toEqual({ kind: 'env', name: 'CREDS', subKey: 'token' });
  });

  it('finds references at any depth and collects each once', () => {
    const conf = { auth: { header: { Authorization: '$secret://vault/1/openai/key' } }, list: ['$env://A', '$env://A', 'x'] };
    expect(hasSecretRef(conf)).toBe(true);
    expect(hasSecretRef({ a: ['plain', { b: 1 }] })).toBe(false);
    expect([...collectRefs(conf)].sort()).toEqual(['$env://A', '$secret://vault/1/openai/key']);
  });

  it('substitutes resolved references into a copy and keeps unresolved ones verbatim', () => {
    const conf = { a: '$env://A', b: ['$env://B', 2], c: { d: 'keep' } };
    const out = substituteRefs(conf, (r) => (r === '$env://A' ? 'value-a' : undefined));
    expect(out).toEqual({ a: 'value-a', b: ['$env://B', 2], c: { d: 'keep' } });
    expect(conf.a).toBe('$env://A');
  });
});
