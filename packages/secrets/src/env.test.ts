import { describe, expect, it } from 'vitest';
import { resolveEnv } from './env.js';

const env = (vars: Record<string, string>) => (n: string) => vars[n];

describe('$env:// resolution', () => {
  it('returns the whole variable, or undefined when it is not set', () => {
    expect(resolveEnv({ kind: 'env', name: 'K', subKey: '' }, env({ K: 'v' }))).toEqual({ value: 'v' });
    expect(resolveEnv({ kind: 'env', name: 'MISSING', subKey: '' }, env({}))).toEqual({ value: undefined });
  });

  it('reads a field of a JSON variable', () => {
    expect(resolveEnv({ kind: 'env', name: 'J', subKey: 'key' }, env({ J: '{"key":"s3cr3t"}' }))).toEqual({ value: 's3cr3t' });
    expect(resolveEnv({ kind: 'env', name: 'J', subKey: 'nope' }, env({ J: '{"key":"s3cr3t"}' }))).toEqual({ value: undefined });
  });

  it('fails on a non-JSON variable without echoing its value', () => {
    const r = resolveEnv({ kind: 'env', name: 'J', subKey: 'key' }, env({ J: 'not-json-secret' }));
    expect('error' in r && r.error).toBe('decode failed, err: the value of J is not JSON');
    expect(JSON.stringify(r)).not.toContain('not-json-secret');
  });
});
