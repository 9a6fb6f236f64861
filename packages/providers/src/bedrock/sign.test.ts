import { describe, expect, it } from 'vitest';
import { normalisePath, signBedrockRequest, SigningKeyCache } from './sign.js';

// Known answers computed with botocore 1.43 SigV4Auth(service "bedrock", region us-east-1) for
// the same request, credentials and clock (the example keys of APISIX's t/plugin/ai-proxy-bedrock.t).
const body = '{"messages":[{"role":"user","content":[{"text":"What is 1+1?"}]}]}';
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const now = new Date('2026-12-06T02:35:56Z');
const base = {
  path: '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse',
  query: '',
  host: 'bedrock-runtime.us-east-1.amazonaws.com',
  body,
  region: 'us-east-1',
  now,
};

describe('bedrock SigV4', () => {
  it('signs a Converse request like botocore (canonical URI encoded twice)', () => {
    const h = signBedrockRequest({ ...base, credentials });
    expect(h['x-amz-date']).toBe('20261206T023556Z');
    expect(h.host).toBe('bedrock-runtime.us-east-1.amazonaws.com');
    expect(h['x-amz-security-token']).toBeUndefined();
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261206/us-east-1/bedrock/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, Signature=0f928bf24fb98f879ffb892af36d288e00db04e7c3e84638ae9bce3a7eac9bdb',
    );
  });

  it('signs the session token as x-amz-security-token like botocore', () => {
    const h = signBedrockRequest({ ...base, credentials: { ...credentials, sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN' } });
    expect(h['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLESESSIONTOKEN');
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261206/us-east-1/bedrock/aws4_request, ' +
        'SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=2e1ed4ef40ae4a4ee0a6bf98302f2c7fb474223136d41cac8d06b25a30e0857d',
    );
  });

  it('signs identically with a cached day key, and re-derives it on a new day', () => {
    const keys = new SigningKeyCache(credentials.secretAccessKey, 'us-east-1');
    expect(signBedrockRequest({ ...base, credentials, keys }).authorization).toBe(
      signBedrockRequest({ ...base, credentials }).authorization,
    );
    const next = { ...base, now: new Date('2026-12-07T00:00:01Z') };
    expect(signBedrockRequest({ ...next, credentials, keys }).authorization).toBe(
      signBedrockRequest({ ...next, credentials }).authorization,
    );
  });

  it('gives the same signature for a raw and a once-encoded path', () => {
    const raw = signBedrockRequest({
      ...base,
      path: normalisePath('/model/anthropic.claude-3-5-sonnet-20241022-v2:0/converse', 1),
      credentials,
    });
    expect(raw.authorization).toBe(signBedrockRequest({ ...base, credentials }).authorization);
  });

  it('signs a different body to a different signature', () => {
    const a = signBedrockRequest({ ...base, credentials });
    const b = signBedrockRequest({ ...base, body: `${body} `, credentials });
    expect(a.authorization).not.toBe(b.authorization);
  });

  it('normalises paths idempotently, keeping slashes and empty segments', () => {
    const arn = '/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Ftest123/converse';
    expect(normalisePath(arn, 1)).toBe(
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Ftest123/converse',
    );
    expect(normalisePath(normalisePath(arn, 1), 1)).toBe(normalisePath(arn, 1));
    expect(normalisePath('/a//b:c/', 2)).toBe('/a//b%253Ac/');
  });
});
