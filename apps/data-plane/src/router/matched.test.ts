import { describe, expect, it } from 'vitest';
import type { RouteSpec } from './router.js';
import { matchedHostOf, matchedUriOf } from './matched.js';

const spec = (uris: string[], hosts?: string[]): RouteSpec<string> => ({ id: '1', uris, hosts, handle: '1' });

describe('matched uri / host (prometheus matched_uri, matched_host)', () => {
  it('is the only pattern of a single-uri route', () => {
    expect(matchedUriOf(spec(['/api/*']), '/api/x')).toBe('/api/*');
  });
  it('picks the exact pattern, else the longest matching prefix pattern among uris', () => {
    expect(matchedUriOf(spec(['/a/*', '/a/b/*', '/a/b/c']), '/a/b/c')).toBe('/a/b/c');
    expect(matchedUriOf(spec(['/a/*', '/a/b/*', '/a/b/c']), '/a/b/d')).toBe('/a/b/*');
  });
  it('is "" for a route without hosts, else the matching host or wildcard', () => {
    expect(matchedHostOf(spec(['/']), 'x.com')).toBe('');
    expect(matchedHostOf(spec(['/'], ['a.com', '*.b.com']), 'api.b.com')).toBe('*.b.com');
    expect(matchedHostOf(spec(['/'], ['a.com', '*.b.com']), 'a.com')).toBe('a.com');
  });
});
