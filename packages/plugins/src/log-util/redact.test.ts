import { describe, expect, it } from 'vitest';
import { isSecretHeader, parseQueryRedacted, redactRawQuery, redactUrl, type AuthSources } from './redact.js';

const none: AuthSources = { headers: new Set(), query: new Set() };

describe('redaction rule', () => {
  it('marks fixed auth headers and names containing a secret marker, case-insensitively', () => {
    for (const h of [
      'Authorization',
      'proxy-authorization',
      'Cookie',
      'set-cookie',
      'apikey',
      'X-API-Key',
      'api-key',
      'x-goog-api-key',
      'x-auth-token',
      'x-client-secret',
    ]) {
      expect(isSecretHeader(h, none), h).toBe(true);
    }
    for (const h of ['host', 'content-type', 'user-agent', 'x-request-id']) expect(isSecretHeader(h, none), h).toBe(false);
    expect(isSecretHeader('X-Tenant-Cred', { headers: new Set(['x-tenant-cred']), query: new Set() })).toBe(true);
  });

  it('parses query strings like ngx.req.get_uri_args and redacts secret values', () => {
    expect(parseQueryRedacted('a=1&a=2&flag&e=&key=s&sp=a+b%21&access_token=t', none)).toEqual({
      a: ['1', '2'],
      flag: true,
      e: '',
      key: '[REDACTED]',
      sp: 'a b!',
      access_token: '[REDACTED]',
    });
  });

  it('redacts secret values in raw queries, URLs and request lines, keeping other bytes', () => {
    expect(redactRawQuery('x=%20&apikey=abc&y', none)).toBe('x=%20&apikey=[REDACTED]&y');
    expect(redactUrl('GET /p?key=abc&z=1 HTTP/1.1', none)).toBe('GET /p?key=[REDACTED]&z=1 HTTP/1.1');
    expect(redactUrl('/p?z=1', none)).toBe('/p?z=1');
    expect(redactUrl('/p', none)).toBe('/p');
  });
});
