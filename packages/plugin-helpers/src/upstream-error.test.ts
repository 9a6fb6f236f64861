import { describe, expect, it } from 'vitest';
import { classifyUpstreamError } from './upstream-error.js';

const err = (code: string | undefined, message = 'boom'): Error => Object.assign(new Error(message), code ? { code } : {});

describe('classifyUpstreamError', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])(
    '%s is a retryable 502',
    (code) => {
      expect(classifyUpstreamError(err(code))).toEqual({ status: 502, timeout: false, retryable: true, code, reason: code });
    },
  );

  it.each(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])(
    '%s is a retryable 504',
    (code) => {
      expect(classifyUpstreamError(err(code))).toMatchObject({ status: 504, timeout: true, retryable: true, code });
    },
  );

  it('reads the code of the cause when the error has none (fetch-style wrapping)', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(classifyUpstreamError(wrapped)).toMatchObject({ status: 502, retryable: true, code: 'ECONNREFUSED' });
  });

  it('treats a message naming a timeout as a timeout', () => {
    expect(classifyUpstreamError(err(undefined, 'Connect Timeout Error'))).toMatchObject({ status: 504, timeout: true });
  });

  it('answers 502 without retry for an unknown failure, naming its message', () => {
    expect(classifyUpstreamError(err(undefined, 'invalid header'))).toEqual({
      status: 502,
      timeout: false,
      retryable: false,
      code: '',
      reason: 'invalid header',
    });
  });
});
