import { describe, expect, it } from 'vitest';
import { mergeQuery, prepareAuth } from './auth.js';

describe('auth', () => {
  it('lower-cases configured header names', () => {
    expect(prepareAuth({ header: { Authorization: 'Bearer k', 'X-Api-Key': 'v' } }).headers).toEqual({
      authorization: 'Bearer k',
      'x-api-key': 'v',
    });
  });
  it('merges auth.query with the endpoint query, endpoint winning', () => {
    const auth = prepareAuth({ query: { api_key: 'apikey', a: '1' } });
    expect(mergeQuery(auth.query, 'some_query=yes&a=2')).toBe('api_key=apikey&a=2&some_query=yes');
    expect(mergeQuery(auth.query, '')).toBe('api_key=apikey&a=1');
    expect(auth.query).toEqual({ api_key: 'apikey', a: '1' });
  });
});
