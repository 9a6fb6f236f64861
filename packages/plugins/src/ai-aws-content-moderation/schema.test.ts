import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { aiAwsContentModerationDefinition } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(aiAwsContentModerationDefinition, conf, 'route');
const comprehend = () => ({ access_key_id: 'a', secret_access_key: 's', region: 'us-east-1' });

describe('ai-aws-content-moderation schema (APISIX 3.18)', () => {
  it('has priority 1031 and encrypts comprehend.secret_access_key', () => {
    expect(aiAwsContentModerationDefinition.priority).toBe(1031);
    expect(aiAwsContentModerationDefinition.encryptFields).toEqual(['comprehend.secret_access_key']);
  });

  it('applies APISIX defaults', () => {
    const conf: Record<string, unknown> = { comprehend: comprehend() };
    expect(check(conf)).toBeUndefined();
    expect(conf).toEqual({
      comprehend: { ...comprehend(), ssl_verify: true },
      moderation_threshold: 0.5,
      check_request: true,
      check_response: false,
      request_check_roles: ['user', 'tool', 'system', 'assistant'],
      request_check_mode: 'all',
      request_check_length_limit: 1000,
      response_check_length_limit: 1000,
      stream_check_mode: 'final_packet',
      stream_check_cache_size: 128,
      stream_check_interval: 3,
      deny_code: 200,
      timeout: 10000,
      keepalive: true,
      keepalive_timeout: 60000,
      fail_mode: 'skip',
    });
  });

  it('requires comprehend and its keys and region', () => {
    expect(check({})).toBe('property "comprehend" is required');
    expect(check({ comprehend: { access_key_id: 'a', secret_access_key: 's' } })).toBe(
      'property "comprehend" validation failed: property "region" is required',
    );
  });

  it('rejects unknown categories, out-of-range thresholds, a deny_code outside 200..599 and bad endpoints', () => {
    expect(check({ comprehend: comprehend(), moderation_categories: { GRAPHIC: 0.5 } })).toBe(
      'property "moderation_categories" validation failed: additional properties forbidden, found GRAPHIC',
    );
    expect(check({ comprehend: comprehend(), moderation_categories: { PROFANITY: 1.5 } })).toMatch(
      /^property "moderation_categories" validation failed: .*PROFANITY/,
    );
    expect(check({ comprehend: comprehend(), deny_code: 199 })).toBe(
      'property "deny_code" validation failed: expected 199 to be at least 200',
    );
    expect(check({ comprehend: comprehend(), deny_code: 600 })).toBe(
      'property "deny_code" validation failed: expected 600 to be at most 599',
    );
    expect(check({ comprehend: comprehend(), deny_code: 403 })).toBeUndefined();
    expect(check({ comprehend: { ...comprehend(), endpoint: 'ftp://x' } })).toBe(
      'property "comprehend" validation failed: property "endpoint" validation failed: failed to match pattern "^https?://" with "ftp://x"',
    );
  });

  it('bounds the check length limits by Comprehend’s 1 KB segment cap and validates the stream knobs', () => {
    expect(check({ comprehend: comprehend(), request_check_length_limit: 3 })).toBe(
      'property "request_check_length_limit" validation failed: expected 3 to be at least 4',
    );
    expect(check({ comprehend: comprehend(), response_check_length_limit: 1025 })).toBe(
      'property "response_check_length_limit" validation failed: expected 1025 to be at most 1024',
    );
    expect(check({ comprehend: comprehend(), stream_check_mode: 'eventually' })).toBe(
      'property "stream_check_mode" validation failed: matches none of the enum values',
    );
    expect(check({ comprehend: comprehend(), stream_check_interval: 0.01 })).toBe(
      'property "stream_check_interval" validation failed: expected 0.01 to be at least 0.1',
    );
    expect(check({ comprehend: comprehend(), request_check_roles: [] })).toBe(
      'property "request_check_roles" validation failed: expect array to have at least 1 items',
    );
    expect(check({ comprehend: comprehend(), fail_mode: 'ignore' })).toBe(
      'property "fail_mode" validation failed: matches none of the enum values',
    );
  });

  it('accepts both stream check modes with check_response', () => {
    expect(check({ comprehend: comprehend(), check_response: true, stream_check_mode: 'realtime' })).toBeUndefined();
    expect(check({ comprehend: comprehend(), check_response: true })).toBeUndefined();
  });
});
