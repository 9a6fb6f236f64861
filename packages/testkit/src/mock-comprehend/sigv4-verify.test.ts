import { describe, expect, it } from 'vitest';
import { expectedSignature, parseAuthorization } from './sigv4-verify.js';

// AWS's published Signature Version 4 example (IAM ListUsers, 2015-08-30, example credentials).
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, ' +
  'SignedHeaders=content-type;host;x-amz-date, ' +
  'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';
const request = {
  method: 'GET',
  url: '/?Action=ListUsers&Version=2010-05-08',
  headers: {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host: 'iam.amazonaws.com',
    'x-amz-date': '20150830T123600Z',
  },
  body: Buffer.alloc(0),
};

describe('the Comprehend mock’s SigV4 check', () => {
  it('parses the Authorization header', () => {
    expect(parseAuthorization(AUTH)).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      day: '20150830',
      region: 'us-east-1',
      service: 'iam',
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      signature: '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    });
    expect(parseAuthorization('Bearer x')).toBeUndefined();
    expect(parseAuthorization(undefined)).toBeUndefined();
  });

  it('recomputes AWS’s documented signature, and a different one for another secret or body', () => {
    const auth = parseAuthorization(AUTH)!;
    expect(expectedSignature(auth, SECRET, request)).toBe(auth.signature);
    expect(expectedSignature(auth, `${SECRET}x`, request)).not.toBe(auth.signature);
    expect(expectedSignature(auth, SECRET, { ...request, body: Buffer.from('x') })).not.toBe(auth.signature);
  });
});
