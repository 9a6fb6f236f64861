import { describe, expect, it } from 'vitest';
import { loggerFakeContext } from '../testing/logger-fake-context.js';
import { prepareLogEntry, readRequestBodyForLog } from '../log-util/index.js';
import { buildOriginEntry } from './origin.js';

describe('meta_format origin', () => {
  it('is the request line, the headers and a blank line, CRLF-joined, with secrets redacted', () => {
    const ctx = loggerFakeContext({
      method: 'POST',
      uri: '/anything',
      rawQuery: 'a=1&api_key=s3cret',
      headers: { host: 'gw.test', 'x-multi': ['1', '2'], authorization: 'Bearer tok' },
      vars: { request: 'POST /anything?a=1&api_key=s3cret HTTP/1.1' },
    });
    expect(buildOriginEntry(ctx, prepareLogEntry({}))).toBe(
      'POST /anything?a=1&api_key=[REDACTED] HTTP/1.1\r\nhost: gw.test\r\nx-multi: 1\r\nx-multi: 2\r\nauthorization: [REDACTED]\r\n\r\n',
    );
  });

  it('appends the request body (cut at max_req_body_bytes) when include_req_body is on', async () => {
    const plan = prepareLogEntry({ include_req_body: true, max_req_body_bytes: 5 });
    const ctx = loggerFakeContext({
      method: 'POST',
      body: 'hello world',
      vars: { request: 'POST / HTTP/1.1' },
      headers: { host: 'h' },
    });
    await readRequestBodyForLog(ctx, plan);
    expect(buildOriginEntry(ctx, plan)).toBe('POST / HTTP/1.1\r\nhost: h\r\n\r\nhello');
  });
});
