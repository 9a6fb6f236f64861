import { describe, expect, it } from 'vitest';
import { amzDate, signingKey, signRequest } from './sigv4.js';

// AWS's published Signature Version 4 example (IAM ListUsers, 2015-08-30, example credentials).
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('AWS SigV4', () => {
  it('derives the documented signing key', () => {
    expect(signingKey(credentials.secretAccessKey, '20150830', 'us-east-1', 'iam').toString('hex')).toBe(
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
    );
  });

  it('signs the documented GET request to the documented signature', () => {
    const headers = signRequest({
      method: 'GET',
      url: 'https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: '',
      service: 'iam',
      region: 'us-east-1',
      credentials,
      now: new Date('2015-08-30T12:36:00Z'),
    });
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.host).toBe('iam.amazonaws.com');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });

  it('signs the session token and the payload hash when asked', () => {
    const headers = signRequest(
      {
        method: 'POST',
        url: 'https://secretsmanager.us-east-1.amazonaws.com/',
        headers: {},
        body: '{}',
        service: 'secretsmanager',
        region: 'us-east-1',
        credentials: { ...credentials, sessionToken: 'tok' },
        now: new Date('2015-08-30T12:36:00Z'),
      },
      true,
    );
    expect(headers['x-amz-security-token']).toBe('tok');
    expect(headers['x-amz-content-sha256']).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(headers.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
  });

  it('formats dates without separators or milliseconds', () => {
    expect(amzDate(new Date('2026-01-02T03:04:05.678Z'))).toBe('20260102T030405Z');
  });
});
