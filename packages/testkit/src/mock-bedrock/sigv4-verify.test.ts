import { describe, expect, it } from 'vitest';
import { verifySigV4 } from './sigv4-verify.js';

// A request signed by botocore 1.43 (SigV4Auth, service bedrock, us-east-1): the mock's
// verifier must accept it byte for byte, and refuse any change.
const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const body = Buffer.from('{"messages":[{"role":"user","content":[{"text":"What is 1+1?"}]}]}');
const signed = {
  method: 'POST',
  url: '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse',
  headers: {
    host: 'bedrock-runtime.us-east-1.amazonaws.com',
    'x-amz-date': '20261206T023556Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261206/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=0f928bf24fb98f879ffb892af36d288e00db04e7c3e84638ae9bce3a7eac9bdb',
  },
  body,
};

describe('mock bedrock SigV4 verifier', () => {
  it('accepts a botocore-signed request', () => {
    expect(verifySigV4(signed, creds, 'us-east-1', 'bedrock')).toEqual({ ok: true });
  });

  it('rejects a changed body, path or secret as InvalidSignatureException', () => {
    const bad = { ok: false, errorType: 'InvalidSignatureException' };
    expect(verifySigV4({ ...signed, body: Buffer.from(`${body} `) }, creds, 'us-east-1', 'bedrock')).toMatchObject(bad);
    expect(verifySigV4({ ...signed, url: signed.url.replace('v2%3A0', 'v1%3A0') }, creds, 'us-east-1', 'bedrock')).toMatchObject(
      bad,
    );
    expect(verifySigV4(signed, { ...creds, secretAccessKey: 'x' }, 'us-east-1', 'bedrock')).toMatchObject(bad);
  });

  it('rejects an unknown key id, a missing session token and a missing signature with AWS error types', () => {
    expect(verifySigV4(signed, { ...creds, accessKeyId: 'AKIAOTHER' }, 'us-east-1', 'bedrock')).toMatchObject({
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    expect(verifySigV4(signed, { ...creds, sessionToken: 't' }, 'us-east-1', 'bedrock')).toMatchObject({
      errorType: 'UnrecognizedClientException',
    });
    expect(verifySigV4({ ...signed, headers: { host: signed.headers.host } }, creds, 'us-east-1', 'bedrock')).toEqual({
      ok: false,
      errorType: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });
});
