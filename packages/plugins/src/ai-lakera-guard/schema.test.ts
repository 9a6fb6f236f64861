import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { aiLakeraGuardDefinition } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(aiLakeraGuardDefinition, conf, 'route');

describe('ai-lakera-guard schema (APISIX 3.18)', () => {
  it('has priority 1028 and encrypts api_key', () => {
    expect(aiLakeraGuardDefinition.priority).toBe(1028);
    expect(aiLakeraGuardDefinition.encryptFields).toEqual(['api_key']);
  });

  it('applies APISIX defaults', () => {
    const conf: Record<string, unknown> = { api_key: 'k' };
    expect(check(conf)).toBeUndefined();
    expect(conf).toEqual({
      api_key: 'k',
      lakera_endpoint: 'https://api.lakera.ai/v2/guard',
      direction: 'input',
      action: 'block',
      fail_open: false,
      fail_mode: 'skip',
      timeout: 5000,
      ssl_verify: true,
      reveal_failure_categories: false,
      deny_code: 200,
      request_failure_message: 'Request blocked by Lakera Guard',
      response_failure_message: 'Response blocked by Lakera Guard',
    });
  });

  it('requires a non-empty api_key and validates enums, endpoint and ranges', () => {
    expect(check({})).toBe('property "api_key" is required');
    expect(check({ api_key: '' })).toBe('property "api_key" validation failed: string too short, expected at least 1, got 0');
    expect(check({ api_key: 'k', action: 'drop' })).toBe('property "action" validation failed: matches none of the enum values');
    expect(check({ api_key: 'k', lakera_endpoint: 'api.lakera.ai' })).toBe(
      'property "lakera_endpoint" validation failed: failed to match pattern "^https?://" with "api.lakera.ai"',
    );
    expect(check({ api_key: 'k', timeout: 0 })).toBe('property "timeout" validation failed: expected 0 to be at least 1');
    expect(check({ api_key: 'k', deny_code: 600 })).toBe(
      'property "deny_code" validation failed: expected 600 to be at most 599',
    );
  });

  it('accepts every direction', () => {
    for (const direction of ['input', 'output', 'both']) expect(check({ api_key: 'k', direction })).toBeUndefined();
  });
});
