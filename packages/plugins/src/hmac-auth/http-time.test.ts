import { describe, expect, it } from 'vitest';
import { parseHttpTime } from './http-time.js';

const T = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;

describe('parseHttpTime (ngx.parse_http_time)', () => {
  it('parses RFC 1123, RFC 850 and asctime dates', () => {
    expect(parseHttpTime('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(T);
    expect(parseHttpTime('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(T);
    expect(parseHttpTime('Sun Nov  6 08:49:37 1994')).toBe(T);
    expect(parseHttpTime(new Date(T * 1000).toUTCString())).toBe(T);
  });

  it('refuses garbage, bad months, out-of-range fields and impossible days', () => {
    for (const v of [
      'adfsdf',
      '',
      'Sun, 06 Nox 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 24:00:00 GMT',
      'Sun, 31 Nov 1994 08:49:37 GMT',
      'Sun, 29 Feb 1900 08:49:37 GMT',
      'Sun, 6 Nov 1994 08:49:37 GMT',
      '2024-01-01T00:00:00Z',
    ]) {
      expect(parseHttpTime(v)).toBeUndefined();
    }
    expect(parseHttpTime('Tue, 29 Feb 2000 00:00:00 GMT')).toBe(Date.UTC(2000, 1, 29) / 1000);
  });
});
