import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { aiProxyDefinition } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(aiProxyDefinition, conf, 'route');

describe('ai-proxy schema', () => {
  it('applies APISIX defaults', () => {
    const conf: Record<string, unknown> = { provider: 'openai', auth: { header: { Authorization: 'Bearer x' } } };
    expect(check(conf)).toBeUndefined();
    expect(conf).toMatchObject({
      timeout: 30000,
      keepalive: true,
      keepalive_timeout: 60000,
      keepalive_pool: 30,
      ssl_verify: true,
    });
  });

  it('rejects an unknown provider with the APISIX message', () => {
    expect(check({ provider: 'cohere', auth: {} })).toBe(
      'property "provider" validation failed: matches none of the enum values',
    );
  });

  it('checks bedrock requirements with APISIX 3.17 strings and the auth.aws schema', () => {
    const aws = { access_key_id: 'AKID', secret_access_key: 'secret' };
    expect(check({ provider: 'bedrock', auth: { aws } })).toBe('bedrock requires provider_conf.region');
    expect(check({ provider: 'bedrock', auth: {}, provider_conf: { region: 'us-east-1' } })).toBe('bedrock requires auth.aws');
    expect(check({ provider: 'bedrock', auth: { aws }, provider_conf: { region: 'us-east-1' } })).toBeUndefined();
    expect(check({ provider: 'bedrock', auth: { aws: { access_key_id: 'AKID' } }, provider_conf: { region: 'us-east-1' } })).toBe(
      'property "auth" validation failed: failed to validate aws (matching "aws"): property "secret_access_key" is required',
    );
    expect(check({ provider: 'bedrock', auth: { aws }, provider_conf: { region: '' } })).toBe(
      'property "provider_conf" validation failed: property "region" validation failed: string too short, expected at least 1, got 0',
    );
  });

  it('requires provider and auth', () => {
    expect(check({ auth: {} })).toBe('property "provider" is required');
    expect(check({ provider: 'openai' })).toBe('property "auth" is required');
  });

  it('keeps the unanchored patternProperties quirk of auth', () => {
    expect(check({ provider: 'openai', auth: {} })).toBeUndefined();
    expect(check({ provider: 'openai', auth: { x_header_y: { a: 'b' } } })).toBeUndefined();
    expect(check({ provider: 'openai', auth: { foo: {} } })).toBe(
      'property "auth" validation failed: additional properties forbidden, found foo',
    );
  });

  it('accepts undeclared provider_conf and rejects a keepalive_timeout below 1000', () => {
    expect(check({ provider: 'vertex-ai', auth: {}, provider_conf: { project_id: 'p', region: 'r' } })).toBeUndefined();
    expect(check({ provider: 'openai', auth: {}, keepalive_timeout: 999 })).toBe(
      'property "keepalive_timeout" validation failed: expected 999 to be at least 1000',
    );
  });

  it('rejects an invalid gcp service_account_json with the cjson message', () => {
    expect(check({ provider: 'vertex-ai', auth: { gcp: { service_account_json: '{bad' } } })).toBe(
      'invalid gcp service_account_json: Expected object key string but found invalid token at character 2',
    );
  });

  it('accepts the 3.18 request fields with their defaults', () => {
    const conf: Record<string, unknown> = {
      provider: 'openai',
      auth: {},
      override: {
        endpoint: 'http://h',
        llm_options: { max_tokens: 100 },
        request_body: { 'openai-chat': { a: { b: 1 } }, passthrough: {} },
      },
    };
    expect(check(conf)).toBeUndefined();
    expect(conf).toMatchObject({ max_req_body_size: 67108864, override: { request_body_force_override: false } });
  });

  it('rejects unknown llm_options keys, unknown protocols and bad sizes with APISIX messages', () => {
    expect(check({ provider: 'openai', auth: {}, override: { llm_options: { temperature: 1 } } })).toBe(
      'property "override" validation failed: property "llm_options" validation failed: additional properties forbidden, found temperature',
    );
    expect(check({ provider: 'openai', auth: {}, override: { request_body: { openai: {} } } })).toBe(
      'property "override" validation failed: property "request_body" validation failed: additional properties forbidden, found openai',
    );
    expect(check({ provider: 'openai', auth: {}, override: { llm_options: { max_tokens: 0 } } })).toBe(
      'property "override" validation failed: property "llm_options" validation failed: property "max_tokens" validation failed: expected 0 to be at least 1',
    );
    expect(check({ provider: 'openai', auth: {}, override: { endpoint: '' } })).toBe(
      'property "override" validation failed: property "endpoint" validation failed: string too short, expected at least 1, got 0',
    );
    expect(check({ provider: 'openai', auth: {}, max_req_body_size: 0 })).toBe(
      'property "max_req_body_size" validation failed: expected 0 to be at least 1',
    );
  });
});
